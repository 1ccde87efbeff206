import { describe, expect, it } from "vitest";
import { operationList } from "../../lib/operations";
import { handleApiRequest } from "../../lib/transport/http";
import { useTestDatabase } from "../support/db";
import { expectedAccess, matrixSubjects, samplePath, SECRET_FIELD } from "../support/matrix";

/**
 * Every operation in the registry, called over HTTP as every kind of caller: the status follows
 * from the operation's access rule and the role table alone (nothing here is written by hand per
 * route), never a 5xx, every answer JSON (or the operation's declared stream), never a secret.
 */
describe("role × operation matrix over HTTP", async () => {
  const { db } = await useTestDatabase();
  const subjects = await matrixSubjects(db);

  for (const subject of subjects) {
    it(`${subject.label}: every operation answers as its access rule says`, async () => {
      const wrong: string[] = [];
      for (const op of operationList) {
        const headers = { ...(await subject.headers()), "content-type": "application/json" };
        const init: RequestInit = { method: op.method, headers, ...(op.method === "GET" || op.method === "DELETE" ? {} : { body: "{}" }) };
        const res = await handleApiRequest(new Request(new URL(samplePath(op), "http://localhost"), init));
        const type = res.headers.get("content-type") ?? "";
        const text = type.includes("json") ? await res.text() : (await res.body?.cancel(), "");
        const expected = expectedAccess(op, subject);
        const statusOk = expected === "401" ? res.status === 401 : expected === "403" ? res.status === 403 : res.status !== 401 && res.status !== 403;
        const json = res.status === 204 || type.includes("json") || (op.stream !== undefined && res.ok);
        const problems = [
          !statusOk ? `expected ${expected}` : null,
          res.status >= 500 ? "a 5xx" : null,
          !json ? `content-type ${type || "(none)"}` : null,
          SECRET_FIELD.test(text) ? "A SECRET FIELD" : null,
          !res.ok && res.status !== 204 && !hasErrorBody(text) ? "no {error: {code, message}} body" : null,
        ].filter(Boolean);
        if (problems.length) wrong.push(`${op.name} (${op.method} ${op.path}): got ${res.status}; ${problems.join(", ")} ${text.slice(0, 160)}`);
      }
      expect(wrong, "\n" + wrong.join("\n") + "\n").toEqual([]);
    }, 120_000); // every operation in turn: seconds alone, far more on a loaded CI machine
  }
});

function hasErrorBody(text: string): boolean {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    return typeof body.error?.code === "string" && typeof body.error.message === "string";
  } catch {
    return false;
  }
}
