import { Badge } from "@/components/ui/badge";
import type { DeviceTrust } from "@/lib/client/hooks/use-account";

const TONE = { pending: "amber", trusted: "green", revoked: "red" } as const;

export function TrustBadge({ trust }: { trust: DeviceTrust }) {
  return <Badge tone={TONE[trust]} testId="device-trust">{trust}</Badge>;
}
