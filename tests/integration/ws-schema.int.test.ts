import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Worker } from "../../lib/runtime";
import { handleApiRequest } from "../../lib/transport/http";
import { apiTokenFor, createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { testWorker } from "../support/engine";
import { startWsServer, WsClient, type Frame, type WsTestServer } from "../support/ws";

type Schema = { $defs: Record<string, object> } & Record<string, unknown>;

/**
 * The published protocol document is served beside the OpenAPI document, and it describes the
 * frames a real session exchanges: every frame the client sends and every frame the server
 * answers in a whole task's life validates against it.
 */
describe("GET /api/runtime/ws/schema.json", async () => {
  const database = await useTestDatabase();
  let node: WsTestServer;
  let worker: Worker;
  let token: string;
  let schema: Schema;

  beforeAll(async () => {
    node = await startWsServer(database);
    worker = await testWorker(database);
    token = (await apiTokenFor(database.db, (await createUser(database.db, { name: "Schema" })).id)).token;
    const res = await handleApiRequest(new Request("http://localhost/api/runtime/ws/schema.json"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("application/json");
    schema = (await res.json()) as Schema;
  });
  afterAll(async () => {
    await node.stop();
    await worker.stop();
  });

  it("is public JSON Schema 2020-12 naming the socket's path and protocol version, and the OpenAPI document points to it", async () => {
    expect(schema).toMatchObject({ $schema: "https://json-schema.org/draft/2020-12/schema", "x-path": "/api/runtime/ws", "x-protocol-version": 1 });
    const openapi = (await (await handleApiRequest(new Request("http://localhost/api/openapi.json"))).json()) as { info: { description: string } };
    expect(openapi.info.description).toContain("/api/runtime/ws/schema.json");
  });

  it("validates every frame of a real session, both ways", async () => {
    const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
    ajv.addSchema({ ...schema, $id: "ws" });
    const clientFrame = ajv.getSchema("ws#/$defs/clientFrame")!;
    const serverFrame = ajv.getSchema("ws#/$defs/serverFrame")!;
    const sent: Frame[] = [
      { type: "hello", protocol: 1, client: "schema-test" },
      { type: "submit", id: "s", agent_type: "test-echo", prompt: "ask:Ready?; say:validated" },
      { type: "ping", id: 7 },
      { type: "tasks", id: "l", state: ["WAITING", "COMPLETED"], limit: 5 },
      { type: "agents", id: "a" },
    ];
    for (const frame of sent) expect(clientFrame(frame), `${JSON.stringify(frame)}: ${ajv.errorsText(clientFrame.errors)}`).toBe(true);

    const { client } = await WsClient.open(node.url, token);
    const fieldsOf = ({ type: _type, id: _id, ...fields }: Frame) => fields;
    const submitted = await client.request("submit", fieldsOf(sent[1]!));
    const taskId = submitted.data.task_id as string;
    client.send(sent[2]);
    await client.waitFor((f) => f.type === "pong");
    await client.request("tasks", fieldsOf(sent[3]!));
    await client.request("agents");
    await client.request("subscribe", { task_id: taskId });
    await client.waitFor((f) => f.type === "event" && f.task_id === taskId && f.event.type === "wait");
    await client.request("answer", { task_id: taskId, answer: "yes" });
    await client.followToEnd(taskId);
    await client.request("state", { task_id: "not-a-uuid" });
    client.send("{not json");
    await client.waitFor((f) => f.type === "error" && f.id === null);
    client.close();

    const kinds = new Set(client.frames.map((f) => (f.type === "result" ? `result.${f.op}` : f.type)));
    expect([...kinds]).toEqual(expect.arrayContaining(["welcome", "result.submit", "pong", "result.subscribe", "event", "result.answer", "ended", "error"]));
    for (const frame of client.frames) expect(serverFrame(frame), `${JSON.stringify(frame).slice(0, 300)}: ${ajv.errorsText(serverFrame.errors)}`).toBe(true);
  });
});
