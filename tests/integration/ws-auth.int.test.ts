import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE } from "../../lib/transport/ws";
import { apiTokenFor, createUser, openSessionFor, sessionCookieFor, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { submit } from "../support/engine";
import { startWsServer, WsClient, type WsTestServer } from "../support/ws";

describe("WebSocket transport: authentication and handshake", async () => {
  const database = await useTestDatabase();
  let node: WsTestServer;
  let ada: TestUser;
  let bob: TestUser;
  let adaToken: string;

  beforeAll(async () => {
    node = await startWsServer(database, { limits: { handshakeMs: 1_000 } });
    ada = await createUser(database.db, { name: "Ada" });
    bob = await createUser(database.db, { name: "Bob", role: "VIEWER" });
    adaToken = (await apiTokenFor(database.db, ada.id)).token;
  });
  afterAll(() => node.stop());

  it("Authorization: Bearer on the upgrade: hello → welcome with the caller's identity, permissions and limits", async () => {
    const { client, welcome } = await WsClient.open(node.url, adaToken);
    expect(welcome).toMatchObject({
      type: "welcome",
      protocol: 1,
      server: { name: "coderclawlink" },
      user: { id: ada.id, email: ada.email, role: "DEVELOPER" },
      via: "api_token",
      session: null,
      limits: { max_subscriptions: 100, max_frame_bytes: 1_048_576 },
    });
    expect(welcome.permissions).toEqual(expect.arrayContaining(["task:submit", "task:view", "agent:list"]));
    expect(welcome.permissions).not.toContain("admin:users");
    expect(welcome.operations).toEqual(expect.arrayContaining(["submit", "state", "cancel", "answer", "retry", "tasks", "agents", "skills", "subscribe", "unsubscribe"]));
    client.close();
  });

  it("a first auth frame with a runtime session token; frames pipelined behind it wait for it", async () => {
    const session = await openSessionFor(database.db, ada.id, { trust: "trusted" });
    const taskId = await submit(database, ada, { prompt: "say:hi" });
    const client = await WsClient.connect(node.url);
    client.send({ type: "auth", token: session.token });
    client.send({ type: "hello", protocol: 1 });
    client.send({ type: "state", id: "s1", task_id: taskId });
    const welcome = await client.waitFor((f) => f.type === "welcome");
    expect(welcome).toMatchObject({ via: "runtime_session", user: { id: ada.id }, session: { session_id: session.sessionId, device_id: session.deviceId, trust: "trusted" } });
    expect(await client.waitFor((f) => f.id === "s1")).toMatchObject({ type: "result", op: "state", data: { task_id: taskId, state: "PENDING" } });
    client.close();
  });

  it("hello may come before the auth frame; the welcome follows the credential", async () => {
    const client = await WsClient.connect(node.url);
    client.send({ type: "hello", protocol: 1 });
    client.send({ type: "auth", token: adaToken });
    expect(await client.waitFor((f) => f.type === "welcome")).toMatchObject({ user: { id: ada.id } });
    client.close();
  });

  it("a token in the URL is refused before the upgrade, whatever the parameter is called", async () => {
    for (const query of [`token=${adaToken}`, `access_token=${adaToken}`, `x=${adaToken}`, "api_key=abc"]) {
      const refused = await WsClient.connect(`${node.url}?${query}`).then(
        () => null,
        (error: { status: number; body: unknown }) => error,
      );
      expect(refused, query).toMatchObject({ status: 400, body: { error: { code: "bad_request" } } });
    }
  });

  it("a bad bearer header answers 401 before the upgrade; a bad auth frame gets an error frame and close 4001", async () => {
    const refused = await WsClient.connect(node.url, { headers: { authorization: "Bearer ccl_pat_nope" } }).catch((error: { status: number; headers: Record<string, string>; body: unknown }) => error);
    expect(refused).toMatchObject({ status: 401, headers: { "www-authenticate": expect.stringContaining("Bearer") }, body: { error: { code: "unauthenticated" } } });

    const client = await WsClient.connect(node.url);
    client.send({ type: "auth", token: "ccl_ses_not-a-session" });
    expect(await client.waitFor((f) => f.type === "error")).toMatchObject({ id: null, status: 401, error: { code: "unauthenticated" } });
    expect((await client.closed).code).toBe(CLOSE.unauthenticated);
  });

  it("the portal's session cookie works from our own origin and is refused from another site", async () => {
    const cookie = await sessionCookieFor(ada.id);
    const origin = node.url.replace("ws://", "http://").replace(/\/api\/.*$/, "");
    const same = await WsClient.connect(node.url, { headers: { cookie }, origin });
    expect(await same.hello()).toMatchObject({ type: "welcome", via: "browser", user: { id: ada.id } });
    same.close();

    const foreign = await WsClient.connect(node.url, { headers: { cookie }, origin: "https://evil.example" }).catch((error: { status: number; body: unknown }) => error);
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: "forbidden" } } });
  });

  it("requests need the credential and the hello first; no handshake in time closes 4003", async () => {
    const client = await WsClient.connect(node.url);
    expect(await client.request("tasks")).toMatchObject({ type: "error", status: 401, error: { code: "unauthenticated" } });
    client.send({ type: "auth", token: adaToken });
    await expect.poll(() => client.request("tasks")).toMatchObject({ type: "error", status: 400, error: { message: "Send hello first" } });
    expect((await client.closed).code).toBe(CLOSE.handshakeTimeout);
  });

  it("an unsupported protocol version is answered with the supported ones and closed 4000", async () => {
    const client = await WsClient.connect(node.url, { headers: { authorization: `Bearer ${adaToken}` } });
    client.send({ type: "hello", protocol: 99 });
    expect(await client.waitFor((f) => f.type === "error")).toMatchObject({ status: 400, error: { details: { supported: [1] } } });
    expect((await client.closed).code).toBe(CLOSE.protocolError);
  });

  it("someone else's task is not found, over every operation that names one (Ada/Bob)", async () => {
    const taskId = await submit(database, ada, { prompt: "say:mine" });
    const bobToken = (await apiTokenFor(database.db, bob.id)).token;
    const { client } = await WsClient.open(node.url, bobToken);
    for (const type of ["state", "task", "events", "subscribe"]) {
      expect(await client.request(type, { task_id: taskId }), type).toMatchObject({ type: "error", status: 404, error: { code: "not_found" } });
    }
    client.close();
  });

  it("an unknown path answers 404", async () => {
    const refused = await WsClient.connect(node.url.replace("/api/runtime/ws", "/api/runtime/other"), { headers: { authorization: `Bearer ${adaToken}` } }).catch((error: { status: number }) => error);
    expect(refused).toMatchObject({ status: 404 });
  });
});
