import { describe, expect, it } from "vitest";
import { isAppError } from "../../errors";
import { BodyBudget, readBody, SMALL_BODY_BYTES } from "./body";

/** A streamed body of `total` bytes in 64 KiB chunks, paused after `pauseAfter` bytes until released. */
function streamed(total: number, pauseAfter = Infinity) {
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (sent >= total) return controller.close();
      if (sent >= pauseAfter) await released;
      const n = Math.min(64 * 1024, total - sent);
      sent += n;
      controller.enqueue(new Uint8Array(n));
    },
  });
  return { req: new Request("http://localhost/x", { method: "POST", body, duplex: "half" } as RequestInit), release, sent: () => sent };
}

async function failure(p: Promise<unknown>) {
  const error = await p.then(() => null, (e: unknown) => e);
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  return error;
}

describe("readBody", () => {
  it("stops reading a streamed body at the limit (413) instead of buffering it", async () => {
    const body = streamed(200 * 1024 * 1024);
    const error = await failure(readBody(body.req, 1024 * 1024, new BodyBudget(64 * 1024 * 1024)));
    expect(error.status).toBe(413);
    expect(body.sent()).toBeLessThan(2 * 1024 * 1024);
  });

  it("bounds the bytes of large bodies read at once: past the shared budget it answers 503 + Retry-After, and frees it after", async () => {
    const budget = new BodyBudget(2 * 1024 * 1024);
    const first = streamed(1024 * 1024, 1024 * 1024 - 64 * 1024);
    const second = streamed(1024 * 1024, 1024 * 1024 - 64 * 1024);
    const reads = [readBody(first.req, 1024 * 1024, budget), readBody(second.req, 1024 * 1024, budget)];
    await new Promise((r) => setTimeout(r, 50));
    expect(budget.inUse).toBeGreaterThan(1024 * 1024);
    const third = await failure(readBody(streamed(1024 * 1024).req, 1024 * 1024, budget));
    expect(third.status).toBe(503);
    expect(third.headers).toEqual({ "retry-after": "1" });
    // Small bodies are never refused, however busy the node is.
    expect((await readBody(streamed(SMALL_BODY_BYTES).req, 1024 * 1024, budget)).length).toBe(SMALL_BODY_BYTES);
    first.release();
    second.release();
    expect((await Promise.all(reads)).map((b) => b.length)).toEqual([1024 * 1024, 1024 * 1024]);
    expect(budget.inUse).toBe(0);
    expect((await readBody(streamed(1024 * 1024).req, 1024 * 1024, budget)).length).toBe(1024 * 1024);
  });

  it("refuses a declared Content-Length over the limit before reading", async () => {
    const body = streamed(10 * 1024 * 1024);
    const req = new Request("http://localhost/x", { method: "POST", headers: { "content-length": String(10 * 1024 * 1024) }, body: body.req.body, duplex: "half" } as RequestInit);
    expect((await failure(readBody(req, 1024))).status).toBe(413);
    expect(body.sent()).toBeLessThanOrEqual(128 * 1024);
  });
});
