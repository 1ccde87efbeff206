import { describe, expect, it } from "vitest";
import { operationList } from "../../operations";
import { STREAM_OPERATION, WS_OPERATIONS } from "./operations";

/**
 * The runtime contract's operations that the socket does not carry, each with the reason. A new
 * /api/runtime operation must be added to the socket (and so to the HTTP × WebSocket matrix, which
 * runs every WS_OPERATIONS entry) or named here: it cannot be left out silently.
 */
const HTTP_ONLY: Record<string, string> = {
  "tasks.summary": "the dashboard's aggregate counts; a page load, not a live call",
  "tasks.changes": "a workspace diff, loaded on demand by the task page",
  "tasks.pull_request": "talks to GitHub; a one-off portal/CLI action",
  "sessions.open": "runtime sessions are opened before connecting; the socket authenticates with the session token",
  "sessions.list": "session management (Account page, CLI)",
  "sessions.get": "session management (Account page, CLI)",
  "sessions.end": "session management; ending it closes the socket that uses it",
  "memory.list": "session memory is managed over HTTP",
  "memory.clear": "session memory is managed over HTTP",
  "memory.get": "session memory is managed over HTTP",
  "memory.put": "session memory is managed over HTTP",
  "memory.delete": "session memory is managed over HTTP",
  "skills.install": "an archive upload (multipart/zip body)",
  "skills.get": "catalogue administration",
  "skills.update": "catalogue administration",
  "skills.delete": "catalogue administration",
  "nodes.protocol": "a static document (the clawlink v1 JSON Schema)",
  "nodes.list": "remote node administration (Nodes page); nodes themselves speak clawlink v1 on their own socket",
  "nodes.get": "remote node administration (Nodes page)",
  "nodes.approve": "remote node administration (Nodes page)",
  "nodes.revoke": "remote node administration (Nodes page)",
  "nodes.drain": "remote node administration (Nodes page)",
  "nodes.enrolments.create": "remote node administration (Nodes page)",
};

describe("the socket's operations and the registry", () => {
  const served = new Set([...Object.values(WS_OPERATIONS).map((ws) => ws.operation.name), STREAM_OPERATION.operation.name]);
  const runtime = operationList.filter((op) => op.path.startsWith("/api/runtime/")).map((op) => op.name);

  it("every /api/runtime operation is served on the socket or named as HTTP-only with a reason", () => {
    const unaccounted = runtime.filter((name) => !served.has(name) && !Object.hasOwn(HTTP_ONLY, name));
    expect(unaccounted).toEqual([]);
  });

  it("names only operations that exist and that the socket does not serve", () => {
    for (const name of Object.keys(HTTP_ONLY)) {
      expect(runtime, name).toContain(name);
      expect(served.has(name), name).toBe(false);
    }
  });

  it("maps every socket operation to a registry entry of the runtime contract", () => {
    for (const name of served) expect(runtime, name).toContain(name);
  });
});
