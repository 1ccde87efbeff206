import { afterEach, describe, expect, it } from "vitest";
import { users } from "../../lib/db/schema";
import { log } from "../../lib/log";
import { toAppError } from "../../lib/operations";
import { hashPassword } from "../../lib/security/passwords";
import { callApi } from "../support/api";
import { apiTokenFor, bearerRequest, createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { captureLog } from "../support/log";

/** #9 §3: a failed query's parameters (password and token hashes, bodies) never reach the log. */
describe("logs carry no query parameters or bodies", async () => {
  const { db } = await useTestDatabase();
  let capture: ReturnType<typeof captureLog> | undefined;
  afterEach(() => capture?.stop());

  it("a failed insert of a password hash is logged with its SQL and stack, without the hash", async () => {
    const hash = await hashPassword("a secret password");
    const failure = await db
      .insert(users)
      .values({ email: null as unknown as string, name: "x", role: "VIEWER", passwordHash: hash })
      .then(() => null, (error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).toContain(hash); // drizzle's own message has it…
    capture = captureLog();
    const answered = toAppError(failure, { requestId: "req-log-test-1", operation: "test.insert" });
    log.error({ err: failure }, "direct");
    log.error(failure as Error, "as the first argument");
    log.warn({ error: failure, cause: failure }, "under other keys");
    capture.stop();
    expect(answered.status).toBe(500);
    const text = capture.text();
    expect(capture.lines.length).toBe(4);
    expect(text).not.toContain(hash); // …the log has not
    expect(text).not.toContain(hash.split("$").pop()!);
    const entry = JSON.parse(capture.lines[0]!) as { requestId: string; err: { type: string; message: string; stack: string; code?: string; cause?: { code?: string } } };
    expect(entry.requestId).toBe("req-log-test-1");
    expect(entry.err.message).toMatch(/^Failed query: insert into "users"/);
    expect(entry.err.stack).toMatch(/\n\s+at /);
    expect(entry.err.cause?.code ?? entry.err.code).toBe("23502");
  });

  it("an anonymous invite accept that fails in the database leaves no hash in the log", async () => {
    const admin = await createUser(db, { role: "ADMIN" });
    const taken = await createUser(db, { role: "VIEWER" });
    const { token } = await apiTokenFor(db, admin.id);
    const invite = await callApi(bearerRequest(token, "/api/admin/invites", { method: "POST", body: JSON.stringify({ role: "VIEWER" }) }));
    const link = ((await invite.json()) as { url: string }).url;
    const inviteToken = new URL(link).hash.replace("#token=", "");
    capture = captureLog();
    const password = "another long password 123";
    const res = await callApi(
      new Request("http://localhost/api/invites/accept", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: inviteToken, email: taken.email, name: "Mallory", password }),
      }),
    );
    capture.stop();
    expect(res.status).toBe(409);
    const body = JSON.stringify(await res.json());
    expect(body).not.toMatch(/users_email|constraint|argon2/);
    const text = capture.text();
    expect(text).not.toMatch(/\$argon2/);
    expect(text).not.toContain(password);
    expect(text).not.toContain(inviteToken);
  });
});
