import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONE: Record<string, BadgeTone> = { ADMIN: "purple", DEVELOPER: "blue", VIEWER: "slate", GUEST: "amber" };

export function RoleBadge({ role }: { role: string }) {
  return <Badge tone={TONE[role] ?? "slate"}>{role}</Badge>;
}
