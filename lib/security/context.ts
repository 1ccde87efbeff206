import type { DeviceTrust, Role } from "../db/schema";
import type { Permission } from "./permissions";

/** Who is calling, established once per call by `authenticate`, whatever the transport. */
export interface AuthContext {
  user: { id: string; email: string; name: string | null; role: Role };
  /** How the caller proved who they are (`local`: `clawlink run --local`, by access to the node's own database). */
  via: "browser" | "api_token" | "runtime_session" | "local" | "telegram";
  /** Present when the caller used a runtime session token. */
  session?: { id: string; devicePk: string; deviceId: string; trust: DeviceTrust };
  apiTokenId?: string;
  /** Present when the caller used a browser sign-in (the next-auth cookie): its server-side session. */
  browserSessionId?: string;
  /** Effective permissions: role + grants, narrowed for untrusted devices. Decide access on these, never on the role. */
  permissions: ReadonlySet<Permission>;
  ip: string | null;
  userAgent: string | null;
  requestId: string;
}
