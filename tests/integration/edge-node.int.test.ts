import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { apiTokenFor, createUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { captureLog } from "../support/log";
import { startRouteNode } from "../support/route-node";

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Body bytes the client had written when the answer arrived. */
  sentBeforeAnswer: number;
  /** Body bytes written in all (with keepSending: until the server closed the connection). */
  sentTotal: number;
}

/**
 * One HTTP/1.1 exchange over a raw socket: the request head, then (optionally) a chunked body of
 * `bodyBytes` written as fast as the server takes it. Without `keepSending` the client stops
 * sending once an answer arrives and hangs up after reading it; with it, it keeps sending until
 * the server closes the connection.
 */
function raw(port: number, head: string, opts: { bodyBytes?: number; keepSending?: boolean } = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    let sent = 0;
    let answeredAt = -1;
    const finish = () => {
      const [headText = "", ...rest] = received.split("\r\n\r\n");
      const [statusLine = "", ...lines] = headText.split("\r\n");
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      let body = rest.join("\r\n\r\n");
      if (headers["content-length"]) body = body.slice(0, Number(headers["content-length"]));
      else if (headers["transfer-encoding"] === "chunked") body = body.replace(/(^|\r\n)[0-9a-f]+\r\n/g, "");
      resolve({ status: Number(statusLine.split(" ")[1]), headers, body, sentBeforeAnswer: answeredAt === -1 ? sent : answeredAt, sentTotal: sent });
    };
    socket.on("data", (d) => {
      if (answeredAt === -1) answeredAt = sent;
      received += d.toString("latin1");
      const [h, b] = received.split("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(h ?? "")?.[1];
      if (!opts.keepSending && b !== undefined && length !== undefined && Buffer.byteLength(b, "latin1") >= Number(length)) socket.destroy();
    });
    socket.on("close", finish);
    socket.on("error", (error) => (received ? undefined : reject(error)));
    socket.write(head);
    const total = opts.bodyBytes ?? 0;
    if (total === 0) return;
    const chunk = Buffer.alloc(64 * 1024, "a");
    const framed = Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]);
    const pump = () => {
      while (sent < total && (opts.keepSending || answeredAt === -1) && !socket.destroyed) {
        const ok = socket.write(framed);
        sent += chunk.length;
        if (!ok) return void socket.once("drain", pump);
      }
      if (sent >= total && !socket.destroyed) socket.write("0\r\n\r\n");
    };
    pump();
  });
}

const HUGE = 200 * 1024 * 1024;

describe("the node's HTTP listener refuses what no route can answer, as JSON, without log lines", async () => {
  const { db } = await useTestDatabase();
  const node = await startRouteNode();
  afterAll(() => node.close());
  const port = Number(new URL(node.url).port);
  const admin = await createUser(db, { role: "ADMIN" });
  const { token } = await apiTokenFor(db, admin.id);
  const get = (target: string, method = "GET") => raw(port, `${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

  it.each(["TRACE", "PROPFIND", "MKCOL"])("%s answers a JSON 405 with Allow, on API and page paths alike", async (method) => {
    const log = captureLog();
    for (const target of ["/api/health", "/tasks"]) {
      const res = await get(target, method);
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "method_not_allowed" } });
    }
    log.stop();
    expect(log.lines).toEqual([]);
  });

  it.each(["/api/runtime/tasks/%E0%A4%A", "/api/%", "/tasks/%zz", "/%C0"])("a malformed percent-encoding (%s) is a JSON 400", async (target) => {
    const log = captureLog();
    const res = await get(target);
    log.stop();
    expect(res.status).toBe(400);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "bad_request" } });
    expect(log.lines.filter((l) => JSON.parse(l).level >= 40)).toEqual([]);
  });

  it("a request target that is not a path is a JSON 400", async () => {
    for (const target of ["*", "http://evil.example/api/health"]) {
      const res = await get(target, "OPTIONS");
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "bad_request" } });
    }
  });

  it.each([
    ["an unknown method token", "FOO /api/health HTTP/1.1\r\nHost: x\r\n\r\n", 400],
    ["a garbage request line", "\u0001\u0002 nonsense\r\n\r\n", 400],
    ["headers past the size limit", `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`, 431],
  ])("what node:http cannot parse (%s) is answered with the JSON error body", async (_label, head, status) => {
    const res = await raw(port, head);
    expect(res.status).toBe(status);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "bad_request" } });
  });

  it("unknown /api paths are a JSON 404, and sign-in routes on a node without the portal too", async () => {
    for (const target of ["/api/nothing/here", "/api/auth/session", "/api", "/api?x=1"]) {
      const res = await get(target);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: "not_found" } });
    }
  });

  it("a client's own X-Forwarded-Proto / X-Forwarded-Host do not choose the origin of links handed back (no TRUST_PROXY)", async () => {
    const body = JSON.stringify({ role: "VIEWER" });
    const res = await raw(
      port,
      `POST /api/admin/invites HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${token}\r\nX-Forwarded-Proto: https\r\nX-Forwarded-Host: evil.example\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(res.status).toBe(201);
    expect((JSON.parse(res.body) as { url: string }).url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/`));
  });

  it("API answers carry the security headers", async () => {
    const res = await get("/api/health");
    expect(res.status).toBe(200);
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
  });

  it.each([
    ["/api/invites/accept", ""],
    ["/api/setup", ""],
    ["/api/runtime/tasks/submit", `Authorization: Bearer ${token}\r\n`],
  ])("a 200 MB streamed body to %s is refused with 413 after about 1 MiB", async (path, auth) => {
    const res = await raw(port, `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, { bodyBytes: HUGE });
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: "payload_too_large", details: { limit_bytes: 1_048_576 } } });
    // Socket buffers let the client get a few MiB out before it sees the answer, never the 200 MB.
    expect(res.sentBeforeAnswer).toBeLessThan(32 * 1024 * 1024);
  });

  it("a client that keeps sending after its 413 (or 401) is cut off after a few MiB, not read to the end", async () => {
    for (const auth of ["", "Authorization: Bearer ccl_pat_wrong\r\n"]) {
      const path = auth ? "/api/runtime/tasks/submit" : "/api/invites/accept";
      const res = await raw(port, `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n`, { bodyBytes: HUGE, keepSending: true });
      expect(res.status).toBe(auth ? 401 : 413);
      expect(res.sentTotal).toBeLessThan(48 * 1024 * 1024);
    }
  });

  it("a declared Content-Length over the limit is refused before any byte of the body is sent", async () => {
    const res = await raw(port, `POST /api/invites/accept HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${HUGE}\r\n\r\n`);
    expect(res.status).toBe(413);
    expect(res.sentBeforeAnswer).toBe(0);
  });

  it("the server's memory does not grow with the bodies it refuses", async () => {
    const before = process.memoryUsage().rss;
    await Promise.all(
      Array.from({ length: 8 }, () => raw(port, "POST /api/invites/accept HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", { bodyBytes: HUGE })),
    ).then((answers) => expect(answers.map((a) => a.status)).toEqual(Array(8).fill(413)));
    expect(process.memoryUsage().rss - before).toBeLessThan(150 * 1024 * 1024);
  });

  it("still serves ordinary requests with bodies on the same listener", async () => {
    const body = JSON.stringify({ agent_type: "test-echo", prompt: "say:hello" });
    const res = await raw(port, `POST /api/runtime/tasks/submit HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(res.status).toBe(202);
    expect(JSON.parse(res.body)).toMatchObject({ state: "PENDING" });
  });
});
