import { describe, expect, it } from "vitest";
import { auditEvents } from "../../lib/db/schema";
import { issueSetupToken, setupTokenIsValid } from "../../lib/security/setup";
import { useTestDatabase } from "../support/db";
import { routeHandlers } from "../support/api";

const { POST } = routeHandlers("/api/setup");

function post(body: unknown) {
  return POST(new Request("http://localhost/api/setup", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
}

describe("first-run setup link", async () => {
  const { db } = await useTestDatabase();
  const admin = { email: "Admin@Example.com", name: "Admin", password: "a long enough password" };

  it("rejects malformed input with 422 and field details", async () => {
    const res = await post({ token: "x", email: "nope", password: "short" });
    expect(res.status).toBe(422);
    const body = await res.json();
    expect(body.error.code).toBe("validation_failed");
    expect(body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(expect.arrayContaining(["email", "password", "name"]));
  });

  it("only the newest printed token works, and only once", async () => {
    const first = (await issueSetupToken(db))!;
    const second = (await issueSetupToken(db))!;
    expect(await setupTokenIsValid(db, first)).toBe(false);
    expect(await setupTokenIsValid(db, second)).toBe(true);

    expect((await post({ ...admin, token: first })).status).toBe(403);
    const created = await post({ ...admin, token: second });
    expect(created.status).toBe(201);
    const body = await created.json();
    expect(body.user).toMatchObject({ email: "admin@example.com", role: "ADMIN" });
    expect(JSON.stringify(body)).not.toContain("password");

    expect((await post({ ...admin, token: second })).status).toBe(403);
    expect(await setupTokenIsValid(db, second)).toBe(false);
    expect(await issueSetupToken(db)).toBeNull();
  });

  it("audits the setup", async () => {
    const rows = await db.select().from(auditEvents);
    expect(rows.map((r) => r.eventType)).toContain("auth.setup_completed");
  });
});
