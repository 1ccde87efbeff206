import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { GET } from "../../app/api/openapi.json/route";
import { apiOperations } from "../../lib/transport/http/openapi";
import { useTestDatabase } from "../support/db";

const API_DIR = path.resolve(import.meta.dirname, "../../app/api");
const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"] as const;

interface RouteFile {
  file: string;
  path: string;
  methods: Map<string, { permission: string | null; isPublic: boolean }>;
}

function routeFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return routeFiles(full);
    return entry.name === "route.ts" ? [full] : [];
  });
}

/** app/api/tasks/[id]/route.ts → /api/tasks/{id}; route groups vanish; catch-alls are skipped. */
function apiPath(file: string): string | null {
  const segments = path.relative(path.resolve(API_DIR, ".."), path.dirname(file)).split(path.sep);
  if (segments.some((s) => s.startsWith("[..." ) || s.startsWith("[[..."))) return null;
  return "/" + segments.filter((s) => !/^\(.*\)$/.test(s)).map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
}

/** The HTTP methods a route file exports, with the permission its route() declares if any. */
function exportedMethods(source: string): RouteFile["methods"] {
  const methods: RouteFile["methods"] = new Map();
  const pattern = new RegExp(`export\\s+(?:const|async\\s+function|function)\\s+(${METHODS.join("|")})\\b`, "g");
  const starts = [...source.matchAll(pattern)];
  starts.forEach((match, i) => {
    const chunk = source.slice(match.index, starts[i + 1]?.index ?? source.length);
    const permission = /permission:\s*"([a-z]+:[a-z]+)"/.exec(chunk)?.[1] ?? null;
    methods.set(match[1], { permission, isPublic: /=\s*publicRoute\s*\(/.test(chunk) });
  });
  for (const group of source.matchAll(/export\s+(?:const\s*)?\{([^}]*)\}/g)) {
    for (const name of group[1].split(",").map((n) => n.trim().split(/\s+as\s+/).pop()!)) {
      if ((METHODS as readonly string[]).includes(name) && !methods.has(name)) methods.set(name, { permission: null, isPublic: false });
    }
  }
  return methods;
}

const routes: RouteFile[] = routeFiles(API_DIR)
  .map((file) => ({ file, path: apiPath(file), methods: exportedMethods(readFileSync(file, "utf8")) }))
  .filter((r): r is RouteFile => r.path !== null);

describe("OpenAPI document", async () => {
  await useTestDatabase();

  it("finds the route files it checks", () => {
    expect(routes.length).toBeGreaterThan(10);
    expect(routes.find((r) => r.path === "/api/tasks/{id}")?.methods.has("PATCH")).toBe(true);
  });

  it("documents every method of every route under app/api", () => {
    const documented = new Set(apiOperations.map((op) => `${op.method} ${op.path}`));
    const missing = routes.flatMap((r) =>
      [...r.methods.keys()].filter((m) => !documented.has(`${m} ${r.path}`)).map((m) => `${m} ${r.path}  (${path.relative(process.cwd(), r.file)})`),
    );
    expect(
      missing,
      `Undocumented routes: add each to the domain's module in lib/transport/http/openapi/ (method, path, summary, access, params/query/body/response schemas)`,
    ).toEqual([]);
  });

  it("documents no route that does not exist", () => {
    const existing = new Set(routes.flatMap((r) => [...r.methods.keys()].map((m) => `${m} ${r.path}`)));
    const stale = apiOperations.map((op) => `${op.method} ${op.path}`).filter((key) => !existing.has(key));
    expect(stale, "Documented but no route file exports it: remove or fix the entry in lib/transport/http/openapi/").toEqual([]);
  });

  it("declares the same permission the route checks", () => {
    const mismatches: string[] = [];
    for (const op of apiOperations) {
      const route = routes.find((r) => r.path === op.path)?.methods.get(op.method);
      if (!route) continue;
      const actual = route.isPublic ? "public" : (route.permission ?? "authenticated");
      if (actual !== op.access) mismatches.push(`${op.method} ${op.path}: route says ${actual}, document says ${op.access}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("is served to anyone as a well-formed OpenAPI 3.1 document", async () => {
    const res = await GET(new Request("http://localhost/api/openapi.json"));
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe("3.1.0");
    const ids = new Set<string>();
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        expect(ids.has(op.operationId as string), `duplicate operationId ${op.operationId}`).toBe(false);
        ids.add(op.operationId as string);
        const pathParams = ((op.parameters as { in: string; name: string }[] | undefined) ?? []).filter((x) => x.in === "path").map((x) => x.name).sort();
        expect(pathParams, `${method.toUpperCase()} ${p} path parameters`).toEqual(templated);
        expect(Object.keys(op.responses as object).length).toBeGreaterThan(0);
      }
    }
  });

  it("describes the board's request bodies from the routes' own schemas", async () => {
    const doc = await (await GET(new Request("http://localhost/api/openapi.json"))).json();
    const create = doc.paths["/api/projects"].post;
    const body = create.requestBody.content["application/json"].schema;
    expect(body.required).toEqual(expect.arrayContaining(["key", "name"]));
    expect(body.properties.key.pattern).toBe("^[A-Z][A-Z0-9]{1,9}$");
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(["201", "401", "403", "409", "422"]));
    const list = doc.paths["/api/tasks"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["project_id", "status", "priority", "assignee_id"]));
    expect(list.parameters.find((p: { name: string }) => p.name === "status").schema.enum).toEqual(["todo", "in_progress", "in_review", "done", "blocked"]);
  });
});
