import type { Permission } from "../../lib/security/permissions";

/**
 * What every API route requires, one entry per route file and HTTP method. The role × endpoint
 * matrix (route-matrix.int.test.ts) derives each role's expected status from this table and
 * ROLE_PERMISSIONS, and fails when a route file on disk has no entry here.
 *
 * - permission(p): the route wrapper checks p; roles without it get 403.
 * - signedIn: any authenticated caller; the handler scopes objects to their owner (404 otherwise).
 * - open: no credentials needed (health, setup, invite acceptance, OpenAPI).
 * - nextAuth: next-auth's own handler (sign-in, sign-out, CSRF); not exercised by the matrix.
 */
export type RouteRule = { permission: Permission } | "signedIn" | "open" | "nextAuth";
export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

const permission = (p: Permission): RouteRule => ({ permission: p });

export const ROUTE_RULES: Record<string, Partial<Record<Method, RouteRule>>> = {
  // Identity and security (lib/security)
  "/api/auth/[...nextauth]": { GET: "nextAuth", POST: "nextAuth" },
  "/api/setup": { POST: "open" },
  "/api/invites/accept": { POST: "open" },
  "/api/account/tokens": { GET: "signedIn", POST: "signedIn" },
  "/api/account/tokens/[id]": { DELETE: "signedIn" },
  "/api/account/sessions": { GET: "signedIn" },
  "/api/account/devices": { GET: "signedIn" },
  "/api/account/devices/[id]/approve": { POST: "signedIn" },
  "/api/account/devices/[id]/revoke": { POST: "signedIn" },
  "/api/runtime/sessions": { GET: "signedIn", POST: "signedIn" },
  "/api/runtime/sessions/[id]": { GET: "signedIn", DELETE: "signedIn" },
  "/api/runtime/sessions/[id]/memory": { GET: "signedIn", DELETE: "signedIn" },
  "/api/runtime/sessions/[id]/memory/[key]": { GET: "signedIn", PUT: "signedIn", DELETE: "signedIn" },
  "/api/admin/users": { GET: permission("admin:users"), POST: permission("admin:users") },
  "/api/admin/users/[id]": { GET: permission("admin:users"), PATCH: permission("admin:users") },
  "/api/admin/users/[id]/grants": { POST: permission("admin:users") },
  "/api/admin/users/[id]/grants/[permission]": { DELETE: permission("admin:users") },
  "/api/admin/invites": { GET: permission("admin:users"), POST: permission("admin:users") },
  "/api/admin/invites/[id]": { DELETE: permission("admin:users") },
  "/api/admin/devices": { GET: permission("admin:users") },
  "/api/admin/devices/[id]/approve": { POST: permission("admin:users") },
  "/api/admin/devices/[id]/revoke": { POST: permission("admin:users") },
  "/api/admin/tokens": { GET: permission("admin:users") },
  "/api/admin/tokens/[id]": { DELETE: permission("admin:users") },
  "/api/admin/sessions": { GET: permission("admin:users") },
  "/api/admin/policies": { GET: permission("admin:system"), POST: permission("admin:system") },
  "/api/admin/policies/[id]": { PATCH: permission("admin:system"), DELETE: permission("admin:system") },
  "/api/audit/events": { GET: permission("admin:system") },
  "/api/audit/verify": { GET: permission("admin:system") },
  "/api/audit/export": { GET: permission("admin:system") },
  "/api/audit/users/[user_id]/activity": { GET: "signedIn" },
  "/api/audit/sessions/[session_id]/activity": { GET: "signedIn" },

  // Platform
  "/api/health": { GET: "open" },
  "/api/openapi.json": { GET: "open" },

  // Runtime (lib/runtime)
  "/api/runtime/tasks": { GET: permission("task:view") },
  "/api/runtime/tasks/submit": { POST: permission("task:submit") },
  "/api/runtime/tasks/[id]": { GET: permission("task:view") },
  "/api/runtime/tasks/[id]/state": { GET: permission("task:view") },
  "/api/runtime/tasks/summary": { GET: permission("task:view") },
  "/api/runtime/tasks/[id]/events": { GET: permission("task:view") },
  "/api/runtime/tasks/[id]/stream": { GET: permission("task:view") },
  "/api/runtime/tasks/[id]/cancel": { POST: permission("task:cancel") },
  "/api/runtime/tasks/[id]/input": { POST: permission("task:submit") },
  "/api/runtime/tasks/[id]/retry": { POST: permission("task:submit") },
  "/api/runtime/agents": { GET: permission("agent:list") },
  "/api/runtime/skills": { GET: permission("skill:list"), POST: permission("skill:install") },
  "/api/runtime/skills/[name]": { GET: permission("skill:list"), PATCH: permission("skill:install"), DELETE: permission("skill:install") },

  // Agents (lib/agents)
  "/api/admin/agents": { GET: permission("agent:configure") },
  "/api/admin/agents/[type]": { GET: permission("agent:configure"), PUT: permission("agent:configure") },
  "/api/admin/agents/[type]/models": { GET: permission("agent:configure") },

  // Phase 1 board and agents
  "/api/projects": { GET: permission("project:read"), POST: permission("project:write") },
  "/api/projects/[id]": { GET: permission("project:read"), PATCH: permission("project:write"), DELETE: permission("project:delete") },
  "/api/tasks": { GET: permission("project:read"), POST: permission("project:write") },
  "/api/tasks/[id]": { GET: permission("project:read"), PATCH: permission("project:write"), DELETE: permission("project:write") },
  "/api/tasks/[id]/move": { POST: permission("project:write") },
  "/api/tasks/execute": { POST: permission("task:submit") },
  "/api/agents/available": { GET: permission("agent:list") },
  "/api/agents/types": { GET: permission("agent:list") },
};

/** Values for dynamic segments when the matrix calls a route; anything else gets a fresh UUID. */
export const SEGMENT_SAMPLES: Record<string, string> = {
  key: "matrix-key",
  name: "matrix-no-such-skill",
  type: "matrix-no-such-agent",
  permission: "task:view",
};
