import { Badge, type BadgeTone } from "@/components/ui/badge";

const TONE: Record<string, BadgeTone> = { ADMIN: "purple", DEVELOPER: "blue", VIEWER: "slate", GUEST: "amber" };

export function RoleBadge({ role, testId }: { role: string; testId?: string }) {
  return (
    <Badge tone={TONE[role] ?? "slate"} testId={testId}>
      {role}
    </Badge>
  );
}
