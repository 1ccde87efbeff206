import { readdirSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { Readable } from "node:stream";
import { pinClientAddress } from "../../lib/security/client-address";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
interface RouteEntry {
  pattern: RegExp;
  names: string[];
  module: Record<string, Handler | undefined>;
}

const API_DIR = path.resolve(import.meta.dirname, "../../app/api");

/** app/api/runtime/tasks/[id]/state/route.ts → /^\/api\/runtime\/tasks\/([^/]+)\/state$/ */
async function loadRoutes(): Promise<RouteEntry[]> {
  const files = (readdirSync(API_DIR, { recursive: true }) as string[]).filter((f) => f.endsWith("route.ts") && !f.includes("[..."));
  const entries = await Promise.all(
    files.map(async (file) => {
      const segments = path.dirname(file).split(path.sep).filter((s) => s && s !== ".");
      const names: string[] = [];
      const source = segments.map((s) => {
        const param = /^\[(\w+)\]$/.exec(s);
        if (!param) return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
        names.push(param[1]!);
        return "([^/]+)";
      });
      return { pattern: new RegExp(`^/api/${source.join("/")}$`.replace("/api/$", "/api$")), names, module: (await import(path.join(API_DIR, file))) as RouteEntry["module"] };
    }),
  );
  // Literal segments before parameters: /tasks/summary must win over /tasks/[id].
  return entries.sort((a, b) => a.names.length - b.names.length);
}

export interface RouteNode {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * A real node for tests that spawn clients (the `clawlink` CLI): the product's own app/api route
 * handlers on a node:http server, over the test file's database — real HTTP, auth, SSE and
 * errors, without building Next.
 */
export async function startRouteNode(): Promise<RouteNode> {
  const routes = await loadRoutes();
  const server = createServer((req, res) => void serve(routes, req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(routes: RouteEntry[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  pinClientAddress(req, { trustProxy: false });
  const url = new URL(req.url ?? "/", `http://${req.headers.host ?? "127.0.0.1"}`);
  const method = (req.method ?? "GET").toUpperCase();
  const match = routes.map((r) => ({ r, m: r.pattern.exec(url.pathname) })).find((x) => x.m);
  const handler = match?.r.module[method];
  if (!match || !handler) {
    res.writeHead(match ? 405 : 404, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: match ? "method_not_allowed" : "not_found", message: `${method} ${url.pathname}` } }));
    return;
  }
  const params = Object.fromEntries(match.r.names.map((name, i) => [name, decodeURIComponent(match.m![i + 1]!)]));
  const aborted = new AbortController();
  res.on("close", () => aborted.abort());
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  const hasBody = method !== "GET" && method !== "HEAD";
  const request = new Request(url, {
    method,
    headers,
    signal: aborted.signal,
    ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: "half" } : {}),
  } as RequestInit);
  try {
    const response = await handler(request, { params: Promise.resolve(params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    if (!response.body) return void res.end();
    const reader = response.body.getReader();
    aborted.signal.addEventListener("abort", () => void reader.cancel().catch(() => {}), { once: true });
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      res.write(value);
    }
    res.end();
  } catch (error) {
    if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "internal", message: (error as Error).message } }));
  }
}
