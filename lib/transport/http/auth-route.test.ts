import { describe, expect, it } from "vitest";
import { authMethodNotAllowed, edgeAuthRoute } from "./auth-route";

const rebuild = (req: Request, body: Buffer | undefined) => new Request(req.url, { method: req.method, headers: req.headers, ...(body ? { body: new Uint8Array(body) } : {}) });

describe("edgeAuthRoute (next-auth's /api/auth/*)", () => {
  it("reads the body through the 1 MiB limit while streaming: a huge sign-in post is a 413 and never reaches next-auth", async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += 65536;
        c.enqueue(new Uint8Array(65536));
      },
    });
    let called = false;
    const route = edgeAuthRoute(async () => ((called = true), new Response("ok")), rebuild);
    const res = await route(new Request("http://localhost/api/auth/callback/credentials", { method: "POST", body, duplex: "half" } as RequestInit));
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: "payload_too_large" } });
    expect(called).toBe(false);
    expect(pulled).toBeLessThan(2 * 1024 * 1024);
  });

  it("passes a small body through unchanged", async () => {
    const route = edgeAuthRoute(async (req) => new Response(await req.text(), { status: 200 }), rebuild);
    const res = await route(new Request("http://localhost/api/auth/callback/credentials", { method: "POST", body: "email=a%40b.c&password=x" }));
    expect(await res.text()).toBe("email=a%40b.c&password=x");
  });

  it("turns next-auth's own error answers into the API's error body, and leaves its JSON and redirects alone", async () => {
    const bad = await edgeAuthRoute(async () => Response.json("Bad request.", { status: 400 }), rebuild)(new Request("http://localhost/api/auth/nope"));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: { code: "bad_request", message: "Bad request." } });
    const session = await edgeAuthRoute(async () => Response.json(null), rebuild)(new Request("http://localhost/api/auth/session"));
    expect(await session.json()).toBeNull();
    const redirect = await edgeAuthRoute(async () => new Response(null, { status: 302, headers: { location: "/signin" } }), rebuild)(new Request("http://localhost/api/auth/signin"));
    expect(redirect.status).toBe(302);
    const res = authMethodNotAllowed();
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, POST");
  });
});
