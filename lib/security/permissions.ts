import type { Role } from "../db/schema";

export const PERMISSIONS = [
  "task:submit",
  "task:cancel",
  "task:view",
  "agent:list",
  "agent:execute",
  "agent:configure",
  "skill:list",
  "skill:execute",
  "skill:install",
  "project:read",
  "project:write",
  "project:delete",
  "admin:users",
  "admin:system",
] as const;

export type Permission = (typeof PERMISSIONS)[number];
export const ROLES = ["ADMIN", "DEVELOPER", "VIEWER", "GUEST"] as const satisfies readonly Role[];

/** The seeds' role table: the single source every check and test derives from. */
export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  ADMIN: PERMISSIONS,
  DEVELOPER: [
    "task:submit",
    "task:cancel",
    "task:view",
    "agent:list",
    "agent:execute",
    "skill:list",
    "skill:execute",
    "project:read",
    "project:write",
  ],
  VIEWER: ["task:view", "agent:list", "skill:list", "project:read"],
  GUEST: ["agent:list", "skill:list"],
};

/** What a session on a device that is not yet trusted may do, whatever the role. */
export const PENDING_DEVICE_PERMISSIONS: readonly Permission[] = ["task:view", "agent:list", "skill:list", "project:read"];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

export function permissionsFor(role: Role, extraGrants: readonly string[] = []): Set<Permission> {
  const set = new Set<Permission>(ROLE_PERMISSIONS[role]);
  for (const grant of extraGrants) if (isPermission(grant)) set.add(grant);
  return set;
}

/** A session on a device that is not trusted keeps only the read permissions it also holds. */
export function narrowForDevice(permissions: ReadonlySet<Permission>, trust: "pending" | "trusted" | "revoked"): Set<Permission> {
  if (trust === "trusted") return new Set(permissions);
  if (trust === "revoked") return new Set();
  return new Set(PENDING_DEVICE_PERMISSIONS.filter((p) => permissions.has(p)));
}
