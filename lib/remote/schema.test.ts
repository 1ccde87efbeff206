import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { clawlinkSchemaDocument } from "./schema";

describe("the clawlink v1 JSON Schema", () => {
  const doc = clawlinkSchemaDocument() as { $defs: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };

  it("describes every frame of both sides, each carrying the execution id, attempt and seq where it reports on a run", () => {
    for (const name of ["node.hello", "node.auth", "node.running", "node.event", "node.wait", "node.end", "portal.challenge", "portal.welcome", "portal.assign", "portal.ack", "portal.answer", "portal.cancel"]) expect(doc.$defs, name).toHaveProperty([name]);
    for (const name of ["node.event", "node.wait", "node.end"]) expect(doc.$defs[name].required).toEqual(expect.arrayContaining(["execution_id", "attempt", "seq"]));
  });

  it("is committed as docs/clawlink-v1.schema.json (regenerate with: npx tsx scripts/generate-clawlink-schema.ts)", () => {
    const committed = readFileSync(path.resolve(import.meta.dirname, "../../docs/clawlink-v1.schema.json"), "utf8");
    expect(JSON.parse(committed)).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
