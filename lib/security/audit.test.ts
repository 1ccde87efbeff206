import { describe, expect, it } from "vitest";
import { GENESIS_HASH, canonicalJson, chainHash } from "./audit";

const row = {
  seq: 1,
  occurredAt: new Date("2030-01-01T00:00:00.000Z"),
  eventType: "session.created",
  actorUserId: "00000000-0000-4000-8000-000000000001",
  sessionId: null,
  deviceId: "laptop",
  ip: "10.0.0.1",
  resourceType: "session",
  resourceId: "s1",
  action: "open_session",
  outcome: "success",
  details: { b: 1, a: { d: [1, 2], c: null } },
};

describe("hash chain", () => {
  it("canonical JSON sorts keys at every depth", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it("hashes the same content the same whatever the key order, and any change differently", () => {
    const h = chainHash(GENESIS_HASH, row);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash(GENESIS_HASH, { ...row, details: { a: { c: null, d: [1, 2] }, b: 1 } })).toBe(h);
    expect(chainHash(GENESIS_HASH, { ...row, details: { ...row.details, b: 2 } })).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...row, outcome: "failure" })).not.toBe(h);
    expect(chainHash(GENESIS_HASH, { ...row, occurredAt: new Date("2030-01-01T00:00:00.001Z") })).not.toBe(h);
    expect(chainHash("f".repeat(64), row)).not.toBe(h);
  });
});
