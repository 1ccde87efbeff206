import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { apiTokens, runtimeSessions } from "../../lib/db/schema";
import { PENDING_DEVICE_PERMISSIONS, ROLES, ROLE_PERMISSIONS, type Permission } from "../../lib/security/permissions";
import type { Role } from "../../lib/db/schema";
import { useTestDatabase } from "../support/db";
import { apiTokenFor, bearerRequest, browserRequest, createUser, openSessionFor, routeParams } from "../support/auth";
import { ROUTE_RULES, SEGMENT_SAMPLES, type Method, type RouteRule } from "./route-rules";

const API_DIR = path.resolve("app/api");
const METHODS: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
/** Fields that must never appear in any API response. */
const SECRET_FIELD = /password_?hash|token_?hash|\$argon2/i;

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** Every app/api/**\/route.ts on disk, as its URL pattern ("/api/runtime/sessions/[id]"). */
function routesOnDisk(): { pattern: string; file: string }[] {
  return (readdirSync(API_DIR, { recursive: true }) as string[])
    .filter((f) => path.basename(f) === "route.ts")
    .map((f) => ({ pattern: "/api/" + path.dirname(f).split(path.sep).join("/"), file: path.join(API_DIR, f) }))
    .map((r) => ({ ...r, pattern: r.pattern.replace(/\/\.$/, "") }))
    .sort((a, b) => a.pattern.localeCompare(b.pattern));
}

function fill(pattern: string): { url: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const url = pattern.replace(/\[(?:\.\.\.)?([^\]]+)\]/g, (_, name: string) => {
    params[name] = SEGMENT_SAMPLES[name] ?? randomUUID();
    return encodeURIComponent(params[name]);
  });
  return { url, params };
}

/** What a subject holding `permissions` should get: "denied" (403) or "allowed" (anything but 401/403). */
function expectation(rule: RouteRule, permissions: readonly Permission[]): "allowed" | "denied" {
  if (rule === "signedIn" || rule === "open" || rule === "nextAuth") return "allowed";
  return permissions.includes(rule.permission) ? "allowed" : "denied";
}

function show(rule: RouteRule): string {
  return typeof rule === "string" ? JSON.stringify(rule) : `permission("${rule.permission}")`;
}

/** The rule a route's source declares, so the failure message says exactly what to paste. */
function suggest(source: string, method: Method): string {
  const start = source.search(new RegExp(`export const ${method}\\b`));
  const block = start < 0 ? "" : source.slice(start).split(/\nexport /)[0]!;
  const declared = /permission:\s*"([^"]+)"/.exec(block);
  if (declared) return `permission("${declared[1]}")`;
  if (/publicRoute\(/.test(block)) return '"open"';
  return '"signedIn" /* or permission("…") if the handler checks one */';
}

const routes = routesOnDisk();
const loaded = await Promise.all(
  routes.map(async (r) => ({ ...r, source: readFileSync(r.file, "utf8"), module: (await import(r.file)) as Partial<Record<Method, Handler>> })),
);

describe("role × endpoint matrix", async () => {
  const database = await useTestDatabase();
  const { db } = database;

  it("every route file on disk has a rule for each method it exports (and no stale rules)", () => {
    const problems: string[] = [];
    for (const r of loaded) {
      const exported = METHODS.filter((m) => typeof r.module[m] === "function");
      const rules = ROUTE_RULES[r.pattern];
      const missing = exported.filter((m) => !rules?.[m]);
      if (missing.length > 0) {
        problems.push(
          `${path.relative(process.cwd(), r.file)} exports ${missing.join(", ")} with no rule. Add to ROUTE_RULES in tests/integration/route-rules.ts:\n` +
            `    "${r.pattern}": { ${exported.map((m) => `${m}: ${rules?.[m] ? show(rules[m]) : suggest(r.source, m)}`).join(", ")} },`,
        );
      }
      for (const m of Object.keys(rules ?? {}) as Method[]) if (!exported.includes(m)) problems.push(`ROUTE_RULES["${r.pattern}"].${m} names a method the route does not export: remove it`);
    }
    const onDisk = new Set(loaded.map((r) => r.pattern));
    for (const pattern of Object.keys(ROUTE_RULES)) if (!onDisk.has(pattern)) problems.push(`ROUTE_RULES has "${pattern}" but no app/api${pattern.slice(4)}/route.ts exists: remove the entry`);
    expect(problems, "\n" + problems.join("\n") + "\n").toEqual([]);
  });

  const users = Object.fromEntries(await Promise.all(ROLES.map(async (role) => [role, await createUser(db, { role, name: `matrix-${role}` })] as const))) as unknown as Record<Role, { id: string }>;
  const pending = await openSessionFor(db, users.DEVELOPER.id, { trust: "pending" });
  const expiredSession = await openSessionFor(db, users.ADMIN.id);
  await db.update(runtimeSessions).set({ expiresAt: new Date(Date.now() - 60_000) }).where(eq(runtimeSessions.id, expiredSession.sessionId));
  const revokedToken = await apiTokenFor(db, users.ADMIN.id);
  await db.update(apiTokens).set({ revokedAt: new Date() }).where(eq(apiTokens.id, revokedToken.id));
  const adminToken = await apiTokenFor(db, users.ADMIN.id);

  type Subject = { label: string; request: (url: string, init: RequestInit) => Promise<Request>; permissions: readonly Permission[] | null; signedIn: boolean };
  const subjects: Subject[] = [
    ...ROLES.map((role) => ({ label: role, request: (url: string, init: RequestInit) => browserRequest(users[role].id, url, init), permissions: ROLE_PERMISSIONS[role], signedIn: true })),
    { label: "ADMIN via API token", request: async (url, init) => bearerRequest(adminToken.token, url, init), permissions: ROLE_PERMISSIONS.ADMIN, signedIn: true },
    { label: "DEVELOPER on a pending device", request: async (url, init) => bearerRequest(pending.token, url, init), permissions: ROLE_PERMISSIONS.DEVELOPER.filter((p) => PENDING_DEVICE_PERMISSIONS.includes(p)), signedIn: true },
    { label: "expired session", request: async (url, init) => bearerRequest(expiredSession.token, url, init), permissions: null, signedIn: false },
    { label: "revoked API token", request: async (url, init) => bearerRequest(revokedToken.token, url, init), permissions: null, signedIn: false },
    { label: "no credentials", request: async (url, init) => new Request(new URL(url, "http://localhost"), { ...init, headers: { "content-type": "application/json" } }), permissions: null, signedIn: false },
  ];

  for (const subject of subjects) {
    it(`${subject.label}: every route answers as ROUTE_RULES and ROLE_PERMISSIONS say, never 5xx, never a secret`, async () => {
      const wrong: string[] = [];
      for (const r of loaded) {
        for (const method of METHODS) {
          const handler = r.module[method];
          const rule = ROUTE_RULES[r.pattern]?.[method];
          if (!handler || !rule || rule === "nextAuth") continue;
          const { url, params } = fill(r.pattern);
          const init: RequestInit = { method, ...(method === "GET" || method === "DELETE" ? {} : { body: "{}" }) };
          const res = await handler(await subject.request(url, init), routeParams(params));
          const text = res.headers.get("content-type")?.includes("json") ? await res.text() : (await res.body?.cancel(), "");
          const expected =
            rule === "open" ? "not 401/403" : !subject.signedIn ? "401" : expectation(rule, subject.permissions!) === "denied" ? "403" : "not 401/403";
          const ok =
            res.status < 500 &&
            !SECRET_FIELD.test(text) &&
            (expected === "401" ? res.status === 401 : expected === "403" ? res.status === 403 : res.status !== 401 && res.status !== 403);
          // A signed-in route may still refuse a pending-device session for its own reasons (e.g. opening sessions).
          const tolerated = subject.label.includes("pending") && rule === "signedIn" && res.status === 403;
          if (!ok && !tolerated) wrong.push(`${method} ${r.pattern}: expected ${expected}, got ${res.status}${SECRET_FIELD.test(text) ? " WITH A SECRET FIELD" : ""} ${text.slice(0, 160)}`);
        }
      }
      expect(wrong, "\n" + wrong.join("\n") + "\n").toEqual([]);
    });
  }
});
