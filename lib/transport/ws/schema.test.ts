import { describe, expect, it } from "vitest";
import { CLOSE } from "./close-codes";
import { WS_OPERATIONS } from "./operations";
import { webSocketSchemaDocument } from "./schema";

type Json = Record<string, unknown>;

describe("the published WebSocket schema", () => {
  const doc = webSocketSchemaDocument();
  const defs = doc.$defs as Record<string, Json>;

  it("has a request and a result for every operation, and the subscription frames", () => {
    for (const name of [...Object.keys(WS_OPERATIONS), "subscribe", "unsubscribe"]) {
      expect(defs[`request.${name}`], name).toBeDefined();
      expect(defs[`result.${name}`], name).toBeDefined();
    }
    const clientFrames = (defs.clientFrame.oneOf as { $ref: string }[]).map((r) => r.$ref);
    expect(clientFrames).toEqual(expect.arrayContaining(["#/$defs/hello", "#/$defs/auth", "#/$defs/request.submit", "#/$defs/request.subscribe"]));
    for (const { $ref } of [...(defs.clientFrame.oneOf as { $ref: string }[]), ...(defs.serverFrame.oneOf as { $ref: string }[])]) {
      expect(defs[$ref.replace("#/$defs/", "")], $ref).toBeDefined();
    }
  });

  it("describes each request from the same zod schemas the server validates with", () => {
    const submit = defs["request.submit"].allOf as Json[];
    expect(submit[0]).toMatchObject({ properties: { type: { const: "submit" } }, required: expect.arrayContaining(["type", "id"]) });
    expect(submit[1]).toMatchObject({ properties: { agent_type: { type: "string" }, prompt: { type: "string", maxLength: 200_000 } } });
    expect(defs["request.subscribe"].allOf as Json[]).toContainEqual(expect.objectContaining({ properties: expect.objectContaining({ task_id: expect.objectContaining({ format: "uuid" }), after: expect.any(Object) }) }));
    expect(defs["result.state"]).toMatchObject({ properties: { data: { properties: { state: { enum: expect.arrayContaining(["PENDING", "COMPLETED"]) } } } } });
    expect(defs.event).toMatchObject({ required: expect.arrayContaining(["task_id", "seq", "event"]) });
  });

  it("documents the protocol version and every close code", () => {
    expect(doc["x-protocol-version"]).toBe(1);
    expect(Object.keys(doc["x-close-codes"] as Json).map(Number).sort()).toEqual(Object.values(CLOSE).sort());
  });
});
