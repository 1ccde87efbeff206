import { describe, expect, it } from "vitest";
import { databaseErrorToAppError } from "../../lib/operations/failures";
import { callApi } from "../support/api";
import { apiTokenFor, bearerRequest, createUser, openSessionFor } from "../support/auth";
import { useTestDatabase } from "../support/db";

/**
 * #9 §2: input that used to reach the database or the serialiser and come back as a 500. Each
 * answer must be the documented 4xx with the JSON error body.
 */
describe("HTTP edge: hostile input answers a 4xx with the error body", async () => {
  const { db } = await useTestDatabase();
  const admin = await createUser(db, { role: "ADMIN" });
  const { token } = await apiTokenFor(db, admin.id);
  const session = await openSessionFor(db, admin.id);
  const submitted = await callApi(bearerRequest(token, "/api/runtime/tasks/submit", { method: "POST", body: JSON.stringify({ agent_type: "test-echo", prompt: "say:hi" }) }));
  const taskId = ((await submitted.json()) as { task_id: string }).task_id;

  async function call(method: string, url: string, body?: string, headers: Record<string, string> = {}) {
    const res = await callApi(bearerRequest(token, url, { method, headers, ...(body === undefined ? {} : { body }) }));
    const text = await res.text();
    expect(res.headers.get("content-type"), `${method} ${url}: ${text}`).toMatch(/^application\/json/);
    const json = JSON.parse(text) as { error?: { code: string; message: string; details?: unknown } };
    return { status: res.status, json };
  }

  const nulBodies: [string, string, unknown][] = [
    ["POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "a\u0000b" }],
    ["POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "ok", context: { note: "a\u0000b" } }],
    ["POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt: "ok", context: { "k\u0000": 1 } }],
    ["POST", "/api/projects", { key: "NUL", name: "a\u0000b" }],
    ["POST", "/api/runtime/sessions", { device_id: "laptop-nul", device_name: "my\u0000laptop" }],
    ["PUT", `/api/runtime/sessions/${session.sessionId}/memory/notes`, { value: { text: "a\u0000b" } }],
    ["POST", "/api/runtime/skills", { path: "/srv/skills/\u0000x" }],
    ["POST", "/api/account/tokens", { name: "a\u0000b" }],
    ["POST", "/api/admin/invites", { email: "a\u0000@example.com", role: "VIEWER" }],
  ];
  it.each(nulBodies)("a NUL in a body field of %s %s is a 422 naming the field", async (method, url, body) => {
    const { status, json } = await call(method, url, JSON.stringify(body));
    expect(status).toBe(422);
    expect(json.error).toMatchObject({ code: "validation_failed", details: { issues: [{ code: "nul_character" }] } });
  });

  it.each([
    "/api/audit/events?event_type=a%00b",
    "/api/audit/events?resource_id=a%00b",
    "/api/runtime/tasks?agent_type=a%00b",
    `/api/runtime/tasks/${taskId}/events?after=0&x%00=1`,
  ])("a NUL in a query filter (%s) is a 400 like any invalid query parameter", async (url) => {
    const { status, json } = await call("GET", url);
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ code: "bad_request", details: { issues: [{ code: "nul_character" }] } });
  });

  it("a NUL in a path segment is a 400", async () => {
    const { status } = await call("GET", `/api/runtime/sessions/${session.sessionId}/memory/a%00b`);
    expect(status).toBe(400);
  });

  it("a schema refinement that throws on unexpected input is a 422, not a 500", async () => {
    const { status } = await call("PUT", "/api/account/notifications", JSON.stringify({ webhook_url: "not a url" }));
    expect(status).toBe(422);
  });

  it("JSON nested thousands of levels deep, inside the size limit, is a 422", async () => {
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const { status, json } = await call("POST", "/api/runtime/tasks/submit", `{"agent_type":"test-echo","prompt":"x","context":{"a":${deep}}}`);
    expect(status).toBe(422);
    expect(json.error).toMatchObject({ details: { issues: [{ code: "too_deep" }] } });
    const memory = await call("PUT", `/api/runtime/sessions/${session.sessionId}/memory/deep`, `{"value":${deep}}`);
    expect(memory.status).toBe(422);
  });

  it.each([
    `/api/runtime/tasks/${taskId}/events?after=2147483648`,
    `/api/runtime/tasks/${taskId}/events?after=99999999999999999999`,
    `/api/runtime/tasks/${taskId}/events?limit=2147483648`,
    `/api/runtime/tasks/${taskId}/stream?after=2147483648`,
    "/api/audit/events?cursor=99999999999999999999",
    "/api/audit/events?limit=2147483648",
    "/api/tasks?limit=2147483648",
  ])("an integer past the column's range (%s) is a 400", async (url) => {
    const { status, json } = await call("GET", url);
    expect(status).toBe(400);
    expect(json.error!.code).toBe("bad_request");
  });

  it("a Last-Event-ID past int4 is ignored, not sent to the database", async () => {
    const res = await callApi(bearerRequest(token, `/api/runtime/tasks/${taskId}/events`, { headers: { "last-event-id": "99999999999" } }));
    expect(res.status).toBe(200);
  });

  it.each(["-100000-01-01", "+200000-01-01", "300000-01-01", "0000-01-01T00:00:00Z"])("a date outside PostgreSQL's range (%s) is a 4xx", async (date) => {
    for (const name of ["from", "to"]) {
      const { status } = await call("GET", `/api/audit/events?${name}=${encodeURIComponent(date)}`);
      expect(status).toBe(400);
    }
    const token = await call("POST", "/api/account/tokens", JSON.stringify({ name: "far", expires_at: date }));
    expect(token.status).toBe(422);
  });

  it("dates within the range still filter", async () => {
    const { status } = await call("GET", "/api/audit/events?from=2020-01-01&to=9999-12-31");
    expect(status).toBe(200);
  });

  it.each(["/api/runtime/tasks/%E0%A4%A", "/api/runtime/tasks/%", "/api/projects/%C0%AF"])("a malformed percent-encoding in a path segment (%s) is a 400", async (url) => {
    const { status, json } = await call("GET", url);
    expect(status).toBe(400);
    expect(json.error!.code).toBe("bad_request");
  });

  it("unknown /api paths answer a JSON 404 and unsupported methods a JSON 405 with Allow", async () => {
    expect((await call("GET", "/api/no/such/thing")).status).toBe(404);
    const res = await callApi(bearerRequest(token, "/api/openapi.json", { method: "PATCH", body: "{}" }));
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, OPTIONS");
    expect(await res.json()).toMatchObject({ error: { code: "method_not_allowed" } });
  });

  it("a database conflict never names the constraint (no existence oracle)", () => {
    const conflict = databaseErrorToAppError({ code: "23505", constraint: "executions_pkey", detail: "Key (id)=(…) already exists." });
    expect(conflict!.toBody()).toEqual({ error: { code: "conflict", message: "A record with these values already exists" } });
    const missing = databaseErrorToAppError({ cause: { code: "23503", constraint_name: "executions_user_id_users_id_fk" } });
    expect(JSON.stringify(missing!.toBody())).not.toMatch(/fk|users/);
    expect(databaseErrorToAppError({ code: "22021" })!.status).toBe(422);
  });

  it("someone else's task_id answers the same 409 as one's own, naming nothing", async () => {
    const bob = await createUser(db, { role: "DEVELOPER" });
    const bobToken = (await apiTokenFor(db, bob.id)).token;
    const reuse = (t: string) => callApi(bearerRequest(t, "/api/runtime/tasks/submit", { method: "POST", body: JSON.stringify({ agent_type: "test-echo", prompt: "x", task_id: taskId }) }));
    const [mine, theirs] = [await reuse(token), await reuse(bobToken)];
    expect([mine.status, theirs.status]).toEqual([409, 409]);
    expect(await theirs.json()).toEqual(await mine.json());
  });

  // Credentials in URLs are refused on public routes too.
  it.each([
    "/api/health?token=anything",
    "/api/health?x=ccl_pat_abcdefgh",
    "/api/invites/accept?invite=ccl_inv_0123456789012345678901234567890123456789abc",
    `/api/setup?s=setup_${"A".repeat(43)}`,
    "/api/openapi.json?password=hunter2",
  ])("%s is a 400 naming the parameter", async (url) => {
    const res = await callApi(new Request(new URL(url, "http://localhost"), { method: url.includes("accept") || url.includes("setup") ? "POST" : "GET", body: url.includes("accept") || url.includes("setup") ? "{}" : undefined }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: { code: "bad_request", message: expect.stringMatching(/never accepted in the URL/) } });
  });
});
