import { handlers } from "@/lib/security/auth";
import { withSignInThrottle } from "@/lib/security/sign-in-gate";

export const { GET } = handlers;
/** Throttled credential sign-ins answer 429 + Retry-After before next-auth runs. */
export const POST = withSignInThrottle(handlers.POST);
