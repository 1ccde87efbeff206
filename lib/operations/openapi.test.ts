import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Operation } from "./define";
import { buildOpenApiDocument } from "./openapi";

const info = { title: "t", version: "1", description: "d" };
const run = async () => undefined;

describe("buildOpenApiDocument", () => {
  it("turns params and (intersected) query schemas into parameters, dates into date-time strings", () => {
    const op: Operation = {
      name: "things.get",
      method: "GET",
      path: "/api/things/{id}",
      tag: "Things",
      summary: "one",
      access: "project:read",
      scope: "own",
      audits: ["resource.accessed"],
      params: z.object({ id: z.string().uuid() }),
      query: z.intersection(z.object({ from: z.coerce.date().optional() }), z.object({ limit: z.coerce.number().int().default(10), q: z.string() })),
      output: z.object({ id: z.string() }),
      run,
    };
    const doc = buildOpenApiDocument([op], info) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const get = doc.paths["/api/things/{id}"].get;
    const params = get.parameters as { name: string; in: string; required: boolean; schema: Record<string, unknown> }[];
    expect(params.map((p) => [p.name, p.in, p.required])).toEqual([
      ["id", "path", true],
      ["from", "query", false],
      ["limit", "query", false],
      ["q", "query", true],
    ]);
    expect(params[0].schema).toEqual({ type: "string", format: "uuid" });
    expect(params[1].schema).toMatchObject({ type: "string", format: "date-time" });
    expect(Object.keys(get.responses as object)).toEqual(["200", "400", "401", "403", "404", "503"]);
    expect(get).toMatchObject({ operationId: "thingsGet", "x-operation": "things.get", "x-permission": "project:read", "x-scope": "own", "x-audit": ["resource.accessed"] });
  });

  it("marks public operations as needing no credentials and answers 204 without an output schema", () => {
    const doc = buildOpenApiDocument([{ name: "x.delete", method: "DELETE", path: "/api/x", tag: "X", summary: "gone", access: "public", run }], info) as {
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    const del = doc.paths["/api/x"].delete;
    expect(del.security).toEqual([]);
    expect(Object.keys(del.responses as object)).toEqual(["204", "503"]);
  });

  it("refuses a registry that lists one method and path twice", () => {
    const op: Operation = { name: "x.get", method: "GET", path: "/api/x", tag: "X", summary: "x", access: "signed-in", run };
    expect(() => buildOpenApiDocument([op, { ...op, name: "x.again" }], info)).toThrow(/twice/);
  });
});
