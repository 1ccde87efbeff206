import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { selectRows } from "../../lib/db";
import { apiTokens, users } from "../../lib/db/schema";
import { callApi } from "../support/api";
import { apiTokenFor, bearerRequest, createUser, openSessionFor } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { hostileBodyText, hostileValue, mutate, NASTY_STRINGS, pathValue, Rng, valueFor } from "../support/fuzz";

/**
 * #9 §2: thousands of generated malformed requests over every operation of the OpenAPI document
 * (seeded, so deterministic; FUZZ_SEED and FUZZ_PER_OPERATION change the run). Whatever arrives,
 * the node answers without a 5xx (503 `unavailable` for a dependency that is down aside), every
 * error is the JSON error body, and a refused request
 * writes nothing (row counts unchanged, the audit trail and rate-limit counters aside).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const PER_OPERATION = Number(process.env.FUZZ_PER_OPERATION ?? 25);

/** Tables a refused request may write to on purpose: the audit trail (permission.denied, sign-in failures) and throttling counters. */
const MAY_CHANGE = /^(audit_|rate_limit)/;

type Schema = Record<string, unknown>;
interface DocOperation {
  method: string;
  path: string;
  name: string;
  parameters: { name: string; in: "path" | "query" | "header"; schema?: Schema; required?: boolean }[];
  body?: { types: string[]; schema?: Schema };
}

describe("fuzz: malformed requests over every operation", async () => {
  const handle = await useTestDatabase();
  const { db } = handle;

  const admin = await createUser(db, { role: "ADMIN", name: "FuzzAdmin" });
  const developer = await createUser(db, { role: "DEVELOPER", name: "FuzzDev" });
  const victim = await createUser(db, { role: "VIEWER", name: "Victim" });
  const developerToken = (await apiTokenFor(db, developer.id)).token;
  const victimToken = await apiTokenFor(db, victim.id);
  const victimSession = await openSessionFor(db, victim.id);
  const adminSession = await openSessionFor(db, admin.id);

  async function operationsOfTheDocument(): Promise<DocOperation[]> {
    const res = await callApi(new Request("http://localhost/api/openapi.json"));
    const doc = (await res.json()) as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const out: DocOperation[] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        const content = (op.requestBody as { content?: Record<string, { schema?: Schema }> } | undefined)?.content;
        out.push({
          method: method.toUpperCase(),
          path,
          name: String(op["x-operation"]),
          parameters: (op.parameters ?? []) as DocOperation["parameters"],
          ...(content ? { body: { types: Object.keys(content), schema: content["application/json"]?.schema } } : {}),
        });
      }
    }
    return out;
  }

  /** Row counts of every table (but those allowed to change), in one statement. */
  async function rowCounts(): Promise<Record<string, number>> {
    const tables = (await selectRows<{ name: string }>(db, sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`))
      .map((t) => t.name)
      .filter((t) => !MAY_CHANGE.test(t) && !t.startsWith("__"));
    const [row] = await selectRows<Record<string, number | string>>(db, sql.raw(`select ${tables.map((t) => `(select count(*) from "${t}") as "${t}"`).join(", ")}`));
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  }

  it("answers every one with a 4xx JSON error body or a success, never a 5xx, and refused ones write nothing", { timeout: 600_000 }, async () => {
    const operations = await operationsOfTheDocument();
    expect(operations.length).toBeGreaterThan(50);
    // Real ids of sacrificial objects, so generated requests also reach past "not found".
    const submitted = await callApi(bearerRequest(developerToken, "/api/runtime/tasks/submit", { method: "POST", body: JSON.stringify({ agent_type: "test-echo", prompt: "say:fuzz" }) }));
    const taskId = ((await submitted.json()) as { task_id: string }).task_id;
    const project = await callApi(bearerRequest(developerToken, "/api/projects", { method: "POST", body: JSON.stringify({ key: "FUZZ", name: "Fuzz" }) }));
    const projectId = ((await project.json()) as { id: string }).id;
    const ids = [taskId, projectId, victim.id, victimToken.id, victimSession.sessionId, victimSession.devicePk, developer.id, "claude", "ollama", "code-review", "task:submit", "notes"];

    const rng = new Rng(SEED);
    const failures: string[] = [];
    let sent = 0;
    let refused = 0;
    let before = await rowCounts();
    let adminToken: { id: string; token: string } | undefined;
    for (const op of operations) {
      // Each operation starts with the fuzzer still an admin and holding fresh credentials: an
      // accepted request may have demoted or disabled it, or revoked a token.
      await db.update(users).set({ role: "ADMIN", disabledAt: null }).where(eq(users.id, admin.id));
      if (adminToken) await db.delete(apiTokens).where(eq(apiTokens.id, adminToken.id));
      adminToken = await apiTokenFor(db, admin.id);
      before = await rowCounts();
      for (let i = 0; i < PER_OPERATION; i++) {
        const label = `seed ${SEED} #${sent} ${op.method} ${op.path}`;
        const req = generate(rng, op, ids, { adminToken: adminToken.token, developerToken, sessionToken: adminSession.token });
        sent++;
        let status: number;
        let text: string;
        let type: string;
        try {
          const res = await callApi(req);
          status = res.status;
          type = res.headers.get("content-type") ?? "";
          // Streams (SSE) that were accepted are not read to their end.
          text = type.startsWith("text/event-stream") ? (await res.body?.cancel(), "") : await res.text();
        } catch (error) {
          failures.push(`${label}: threw ${(error as Error).stack ?? String(error)}`);
          continue;
        }
        // 503 `unavailable` is the honest answer when a dependency is down (Ollama not running);
        // every other 5xx is a defect.
        if (status >= 500 && !(status === 503 && (safeJson(text) as { error?: { code?: string } })?.error?.code === "unavailable")) {
          failures.push(`${label}: ${status} ${text.slice(0, 300)}`);
        }
        if (status >= 400) {
          refused++;
          const body = safeJson(text) as { error?: { code?: unknown; message?: unknown } } | undefined;
          // (HEAD answers carry the headers of the error, never a body.)
          const headOnly = req.method === "HEAD" && text === "";
          if (!type.startsWith("application/json") || (!headOnly && (typeof body?.error?.code !== "string" || typeof body.error.message !== "string"))) {
            failures.push(`${label}: ${status} without the JSON error body: ${type} ${text.slice(0, 200)}`);
          }
          const after = await rowCounts();
          const changed = Object.keys(after).filter((t) => after[t] !== before[t]);
          if (changed.length > 0) failures.push(`${label}: ${status} yet rows changed in ${changed.join(", ")}`);
          before = after;
        } else {
          before = await rowCounts();
        }
        if (failures.length >= 20) break;
      }
      if (failures.length >= 20) break;
    }
    expect(failures, failures.join("\n\n")).toEqual([]);
    expect(sent).toBe(operations.length * PER_OPERATION);
    // Most generated requests are refused; the rest exercise the operations themselves.
    expect(refused).toBeGreaterThan(sent * 0.6);
  });
});

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

interface Credentials {
  adminToken: string;
  developerToken: string;
  sessionToken: string;
}

/** One generated request for the operation: path, query, body, content type and credential each possibly wrong. */
function generate(rng: Rng, op: DocOperation, ids: readonly string[], creds: Credentials): Request {
  let path = op.path;
  for (const param of op.parameters.filter((p) => p.in === "path")) {
    const value = rng.chance(0.3) ? pathValue(rng, ids) : ids.length && rng.chance(0.5) ? rng.pick(ids) : pathValue(rng, ids);
    path = path.replace(`{${param.name}}`, value);
  }
  const query: string[] = [];
  for (const param of op.parameters.filter((p) => p.in === "query")) {
    if (rng.chance(0.4)) continue;
    const value = rng.chance(0.5) ? valueFor(rng, param.schema, ids) : hostileValue(rng);
    query.push(`${encodeURIComponent(param.name)}=${encodeQuery(value)}`);
    if (rng.chance(0.1)) query.push(`${encodeURIComponent(param.name)}=${encodeQuery(rng.pick(NASTY_STRINGS))}`);
  }
  if (rng.chance(0.15)) query.push(`${rng.pick(["x", "%00", "a%00b", "limit", "cursor", "after", "%"])}=${rng.pick(["%", "%00", "1", "99999999999", "%E0%A4%A"])}`);
  const url = `http://localhost${path}${query.length ? `?${query.join("&")}` : ""}`;

  const headers = new Headers();
  const who = rng.int(20);
  if (who < 14) headers.set("authorization", `Bearer ${creds.adminToken}`);
  else if (who < 16) headers.set("authorization", `Bearer ${creds.developerToken}`);
  else if (who < 17) headers.set("authorization", `Bearer ${creds.sessionToken}`);
  else if (who < 18) headers.set("authorization", rng.pick(["Bearer", "Bearer ", "Basic YTpi", "Bearer ccl_pat_nope", "Bearer \u00e9"]));
  if (rng.chance(0.05)) headers.set("last-event-id", rng.pick(["99999999999", "-1", "x", "1e9", "2147483648"]));

  const method = rng.chance(0.03) ? rng.pick(["PATCH", "PUT", "DELETE", "POST", "OPTIONS", "HEAD"]) : op.method;
  const init: RequestInit = { method, headers };
  if (method !== "GET" && method !== "HEAD") {
    const roll = rng.int(10);
    if (op.body && roll < 6) {
      const value = valueFor(rng, op.body.schema, ids);
      const mutations = 1 + rng.int(3);
      let body = value;
      for (let m = 0; m < mutations; m++) body = mutate(rng, body);
      init.body = JSON.stringify(body);
      headers.set("content-type", rng.chance(0.9) ? "application/json" : rng.pick(["application/json; charset=latin1", "text/plain", "application/merge-patch+json"]));
    } else if (roll < 8) {
      init.body = hostileBodyText(rng);
      headers.set("content-type", rng.pick(["application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]));
    } else if (op.body && op.body.types.some((t) => t !== "application/json")) {
      // An upload of garbage under one of the operation's own upload types.
      headers.set("content-type", rng.pick(op.body.types.filter((t) => t !== "application/json")));
      init.body = new Uint8Array(Array.from({ length: rng.int(4096) }, () => rng.int(256)));
    }
  }
  return new Request(url, init);
}

function encodeQuery(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
  try {
    return encodeURIComponent(text.slice(0, 10_000));
  } catch {
    return "%ED%A0%80";
  }
}
