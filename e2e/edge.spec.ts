import http from "node:http";
import { expect, test } from "./support/fixtures";

/**
 * #9 §2 §4 §13 on the production server (`npm start`: the node's own listener, Next's pages and
 * next-auth): what no route can answer is a JSON error, bodies stop at 1 MiB while streaming on
 * Next's routes too, and pages carry the anti-framing and basic security headers.
 */
function exchange(base: string, method: string, path: string, opts: { streamBytes?: number; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request(new URL(path, base), { method, headers: opts.headers }, (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body, sent }));
      res.on("error", reject);
    });
    req.on("error", (error) => (answered ? undefined : reject(error)));
    if (!opts.streamBytes) return void req.end();
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!answered && sent < opts.streamBytes! && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

test("unsupported methods and malformed URLs are JSON errors, on pages and the API alike", async ({ server }) => {
  for (const path of ["/api/health", "/signin"]) {
    const trace = await exchange(server.baseURL, "TRACE", path);
    expect(trace.status).toBe(405);
    expect(trace.headers.allow).toContain("GET");
    expect(JSON.parse(trace.body)).toMatchObject({ error: { code: "method_not_allowed" } });
  }
  for (const path of ["/tasks/%E0%A4%A", "/api/runtime/tasks/%E0%A4%A"]) {
    const bad = await exchange(server.baseURL, "GET", path);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: "bad_request" } });
  }
  const unknown = await exchange(server.baseURL, "GET", "/api/auth/no-such-action");
  expect(unknown.status).toBe(400);
  expect(JSON.parse(unknown.body)).toMatchObject({ error: { code: "bad_request" } });
});

test("a huge streamed body is refused at 1 MiB on public routes and on next-auth's sign-in", async ({ server }) => {
  for (const [path, type] of [
    ["/api/auth/callback/credentials", "application/x-www-form-urlencoded"],
    ["/api/invites/accept", "application/json"],
    ["/api/setup", "application/json"],
  ]) {
    const res = await exchange(server.baseURL, "POST", path, { streamBytes: 200 * 1024 * 1024, headers: { "content-type": type } });
    expect(res.status, path).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "payload_too_large" } });
    expect(res.sent).toBeLessThan(64 * 1024 * 1024);
  }
});

test("pages may not be framed and carry the basic security headers", async ({ server }) => {
  const page = await exchange(server.baseURL, "GET", "/signin");
  expect(page.status).toBe(200);
  expect(page.headers["x-frame-options"]).toBe("DENY");
  expect(page.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  expect(page.headers["x-content-type-options"]).toBe("nosniff");
  expect(page.headers["referrer-policy"]).toBe("same-origin");
  const api = await exchange(server.baseURL, "GET", "/api/health");
  expect(api.headers["x-content-type-options"]).toBe("nosniff");
});
