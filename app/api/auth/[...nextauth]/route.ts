import { handlers } from "@/lib/security/auth";

export const { GET, POST } = handlers;
