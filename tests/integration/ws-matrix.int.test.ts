import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { users } from "../../lib/db/schema";
import { handleApiRequest } from "../../lib/transport/http";
import { rawInputOf, STREAM_OPERATION, WS_OPERATIONS, type WsOperation } from "../../lib/transport/ws/operations";
import type { TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit } from "../support/engine";
import { expectedAccess, matrixSubjects, type Subject } from "../support/matrix";
import { startWsServer, WsClient, type WsTestServer } from "../support/ws";

type Outcome = { status: string; code: string | null };

/** The WebSocket's operations (and subscribe, the stream's), each with a caller-neutral sample input. */
const MUTATING = new Set(["submit", "cancel", "answer", "retry"]);
const CASES: WsOperation[] = [...Object.values(WS_OPERATIONS), STREAM_OPERATION];

/**
 * The role × operation matrix, run over HTTP and over the WebSocket with the same subjects and the
 * same inputs (split into params, query and body the way the socket splits them): every
 * operation must answer each subject with the same status and error code on both, and as its
 * access rule in the registry says.
 */
describe("role × operation matrix: WebSocket and HTTP answer alike", async () => {
  const database = await useTestDatabase();
  const subjects: Subject[] = await matrixSubjects(database.db);
  let node: WsTestServer;
  let owner: TestUser;

  beforeAll(async () => {
    node = await startWsServer(database);
    const [row] = await database.db.select({ id: users.id, email: users.email }).from(users).where(eq(users.name, "matrix-DEVELOPER"));
    owner = { ...row, role: "DEVELOPER", password: "" };
  });
  afterAll(() => node.stop());

  /** Fields for one call: tasks of the matrix's DEVELOPER (others' to everyone else), fresh for each transport when the call changes them. */
  async function sampleFields(ws: WsOperation): Promise<Record<string, unknown>> {
    const fields: Record<string, unknown> = {};
    if (ws.params.task_id) fields.task_id = await submit(database, owner, { prompt: "hang" });
    if (ws.name === "submit") Object.assign(fields, { agent_type: "test-echo", prompt: "say:matrix" });
    if (ws.name === "answer") fields.answer = "yes";
    if (ws.name === "tasks") Object.assign(fields, { state: ["PENDING", "RUNNING"], limit: 5 });
    if (ws.name === "events") fields.after = 0;
    return fields;
  }

  async function overHttp(subject: Subject, ws: WsOperation, fields: Record<string, unknown>): Promise<Outcome> {
    const input = rawInputOf(ws, fields);
    const url = new URL(ws.operation.path.replace(/\{([^}]+)\}/g, (_, name: string) => encodeURIComponent(input.params?.[name] ?? "")), "http://localhost");
    for (const [name, value] of Object.entries(input.query ?? {})) url.searchParams.set(name, value);
    const hasBody = ws.operation.method !== "GET" && ws.operation.method !== "DELETE";
    const res = await handleApiRequest(
      new Request(url, { method: ws.operation.method, headers: { ...(await subject.headers()), "content-type": "application/json" }, ...(hasBody ? { body: JSON.stringify(await input.body!()) } : {}) }),
    );
    const text = (res.headers.get("content-type") ?? "").includes("json") ? await res.text() : (await res.body?.cancel(), "");
    return res.ok ? { status: "ok", code: null } : { status: String(res.status), code: (JSON.parse(text) as { error: { code: string } }).error.code };
  }

  async function connect(subject: Subject): Promise<WsClient | Outcome> {
    const headers = await subject.headers();
    const origin = node.url.replace("ws://", "http://").replace(/\/api\/.*$/, "");
    try {
      const client = await WsClient.connect(node.url, { headers, origin });
      if (Object.keys(headers).length) await client.hello();
      return client;
    } catch (error) {
      const refused = error as { status: number; body: { error: { code: string } } };
      return { status: String(refused.status), code: refused.body.error.code };
    }
  }

  for (const subject of subjects) {
    it(`${subject.label}: every WebSocket operation answers as over HTTP`, async () => {
      const socket = await connect(subject);
      const differences: string[] = [];
      for (const ws of CASES) {
        const httpFields = await sampleFields(ws);
        const wsFields = MUTATING.has(ws.name) ? await sampleFields(ws) : httpFields;
        const http = await overHttp(subject, ws, httpFields);
        let viaSocket: Outcome;
        if (socket instanceof WsClient) {
          const answer = await socket.request(ws.name, wsFields);
          viaSocket = answer.type === "result" ? { status: "ok", code: null } : { status: String(answer.status), code: answer.error.code };
          if (ws === STREAM_OPERATION && answer.type === "result") await socket.request("unsubscribe", { task_id: wsFields.task_id });
        } else {
          viaSocket = socket;
        }
        const rule = expectedAccess(ws.operation, subject);
        const ruleOk = rule === "allowed" ? viaSocket.status !== "401" && viaSocket.status !== "403" : viaSocket.status === rule;
        if (http.status !== viaSocket.status || http.code !== viaSocket.code || !ruleOk) {
          differences.push(`${ws.name} (${ws.operation.name}): HTTP ${http.status} ${http.code ?? ""} / WebSocket ${viaSocket.status} ${viaSocket.code ?? ""} / rule ${rule}`);
        }
      }
      if (socket instanceof WsClient) socket.close();
      expect(differences, "\n" + differences.join("\n") + "\n").toEqual([]);
    }, 120_000); // every operation twice: seconds alone, far more on a loaded CI machine
  }
});
