import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A loopback stand-in for the GitHub REST endpoints clawlink uses: create a pull request,
 * read one, and mint an App installation token. Tokens in `validTokens` are accepted; the
 * next answer can be forced (`failNext`) to exercise GitHub's error shapes.
 */
export interface FakeGithub {
  url: string;
  requests: Array<{ method: string; path: string; auth?: string; body: Record<string, unknown> | null }>;
  pulls: Array<{ number: number; owner: string; repo: string; head: string; base: string; title: string; body: string; state: string }>;
  validTokens: Set<string>;
  failNext?: { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
  close(): Promise<void>;
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | null> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  try {
    return chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : null;
  } catch {
    return null;
  }
}

export async function startFakeGithub(options: { tokens?: string[] } = {}): Promise<FakeGithub> {
  const state: FakeGithub = { url: "", requests: [], pulls: [], validTokens: new Set(options.tokens ?? ["ghp_valid"]), close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const auth = req.headers.authorization;
    const body = await readJson(req);
    state.requests.push({ method: req.method ?? "GET", path, auth, body });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(data));
    };
    if (state.failNext) {
      const { status, body: failure, headers } = state.failNext;
      state.failNext = undefined;
      return send(status, failure, headers);
    }
    const installation = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (installation && req.method === "POST") {
      // An App authenticates with a JWT (Bearer); the fake only checks that one was sent.
      if (!auth?.startsWith("bearer ") && !auth?.startsWith("Bearer ")) return send(401, { message: "A JSON web token could not be decoded" });
      const token = `ghs_installation_${installation[1]}`;
      state.validTokens.add(token);
      return send(201, { token, expires_at: new Date(Date.now() + 3600_000).toISOString(), permissions: { contents: "write", pull_requests: "write" } });
    }
    const token = auth?.replace(/^(token|bearer)\s+/i, "");
    if (!token || !state.validTokens.has(token)) return send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    const create = /^\/repos\/([^/]+)\/([^/]+)\/pulls$/.exec(path);
    if (create && req.method === "POST") {
      const [, owner, repo] = create;
      const head = String(body?.head ?? "");
      if (state.pulls.some((p) => p.owner === owner && p.repo === repo && p.head === head && p.state === "open")) {
        return send(422, { message: "Validation Failed", errors: [{ resource: "PullRequest", code: "custom", message: `A pull request already exists for ${owner}:${head}.` }] });
      }
      const number = state.pulls.length + 1;
      state.pulls.push({ number, owner, repo, head, base: String(body?.base ?? ""), title: String(body?.title ?? ""), body: String(body?.body ?? ""), state: "open" });
      return send(201, { number, state: "open", html_url: `https://github.example/${owner}/${repo}/pull/${number}`, head: { ref: head }, base: { ref: body?.base } });
    }
    const get = /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/.exec(path);
    if (get && req.method === "GET") {
      const pull = state.pulls.find((p) => p.owner === get[1] && p.repo === get[2] && p.number === Number(get[3]));
      if (!pull) return send(404, { message: "Not Found" });
      return send(200, { number: pull.number, state: pull.state === "merged" ? "closed" : pull.state, merged: pull.state === "merged", html_url: `https://github.example/${pull.owner}/${pull.repo}/pull/${pull.number}` });
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
  return state;
}
