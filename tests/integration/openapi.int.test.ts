import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { operationList } from "../../lib/operations";
import { handleApiRequest } from "../../lib/transport/http";
import { useTestDatabase } from "../support/db";

const API_DIR = path.resolve(import.meta.dirname, "../../app/api");

async function fetchDocument() {
  const res = await handleApiRequest(new Request("http://localhost/api/openapi.json"));
  expect(res.status).toBe(200);
  return res.json();
}

describe("OpenAPI document", async () => {
  await useTestDatabase();

  it("app/api has only the registry's catch-all and next-auth's own route (no route declared outside the registry)", () => {
    const files = (readdirSync(API_DIR, { recursive: true }) as string[]).filter((f) => path.basename(f).startsWith("route.")).sort();
    expect(files).toEqual([path.join("[...path]", "route.ts"), path.join("auth", "[...nextauth]", "route.ts")].sort());
  });

  it("is served to anyone and documents every operation with its access rule, uniquely", async () => {
    const doc = await fetchDocument();
    expect(doc.openapi).toBe("3.1.0");
    const ids = new Set<string>();
    let count = 0;
    for (const [p, item] of Object.entries(doc.paths as Record<string, Record<string, Record<string, unknown>>>)) {
      const templated = [...p.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        count++;
        expect(ids.has(op.operationId as string), `duplicate operationId ${op.operationId}`).toBe(false);
        ids.add(op.operationId as string);
        const pathParams = ((op.parameters as { in: string; name: string }[] | undefined) ?? []).filter((x) => x.in === "path").map((x) => x.name).sort();
        expect(pathParams, `${method.toUpperCase()} ${p} path parameters`).toEqual(templated);
        const registered = operationList.find((o) => o.path === p && o.method.toLowerCase() === method);
        expect(registered, `${method.toUpperCase()} ${p} is in the registry`).toBeDefined();
        // x-permission is the very value `invoke` checks, not a copy of it.
        expect(op["x-permission"]).toBe(registered!.access);
        expect(op["x-operation"]).toBe(registered!.name);
      }
    }
    expect(count).toBe(operationList.length);
  });

  it("describes the board's request bodies from the operations' own schemas", async () => {
    const doc = await fetchDocument();
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
