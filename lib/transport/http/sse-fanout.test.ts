import { EventEmitter } from "node:events";
import http, { type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import type { TaskEventDto } from "../../runtime/schemas";
import type { LiveTaskEvents, TaskEventFlow, TaskEventSink } from "../../runtime/stream";
import { sseBatchBytes, sseFrame, sseResponse, writeSseTo, type SseOptions } from "./sse";

const event = (seq: number, text = `line ${seq}`): TaskEventDto => ({ seq, type: "output", state: null, attempt: 1, data: { text }, created_at: "2026-01-01T00:00:00.000Z" });
const done = (seq: number): TaskEventDto => ({ seq, type: "state", state: "COMPLETED", attempt: 1, data: {}, created_at: "2026-01-01T00:00:00.000Z" });

/**
 * A task's log and its followers, as the event hub behaves: one batch array handed to every
 * follower, a paused follower skipped (its cursor stays), a resumed one caught up from the log.
 */
class FakeLog {
  readonly log: TaskEventDto[] = [];
  readonly followers = new Set<{ sink: TaskEventSink; cursor: number; paused: boolean; pauses: number; resumes: number; closed: boolean }>();

  stream(): LiveTaskEvents {
    return {
      follow: (sink): TaskEventFlow => {
        const follower = { sink, cursor: 0, paused: false, pauses: 0, resumes: 0, closed: false };
        this.followers.add(follower);
        const close = () => {
          if (follower.closed) return;
          follower.closed = true;
          this.followers.delete(follower);
          sink.end();
        };
        return {
          pause: (through?: number) => {
            if (through !== undefined) follower.cursor = through;
            follower.paused = true;
            follower.pauses++;
          },
          resume: () => {
            follower.paused = false;
            follower.resumes++;
            const missed = this.log.slice(follower.cursor);
            if (missed.length) this.deliver(follower, missed);
          },
          close,
        };
      },
      [Symbol.asyncIterator]: () => {
        throw new Error("the transports follow, they do not iterate");
      },
    };
  }

  append(batch: TaskEventDto[]): void {
    this.log.push(...batch);
    for (const follower of this.followers) if (!follower.paused) this.deliver(follower, batch);
  }

  private deliver(follower: { sink: TaskEventSink; cursor: number; closed: boolean; paused: boolean }, batch: TaskEventDto[]): void {
    follower.cursor = batch.at(-1)!.seq;
    follower.sink.events(batch);
    // Taken only in part (paused with `through`): the rest, the terminal event with it, comes after resume.
    if (follower.cursor === batch.at(-1)!.seq && batch.some((e) => e.type === "state")) {
      follower.closed = true;
      this.followers.delete(follower as never);
      follower.sink.end();
    }
  }
}

/** A ServerResponse stand-in: records writes; `reading` decides whether written bytes leave its buffer. */
class FakeResponse extends EventEmitter {
  readonly writes: Uint8Array[] = [];
  writableLength = 0;
  maxBuffered = 0;
  reading = true;
  ended = false;
  destroyed = false;
  socket = { setNoDelay: () => {} };

  write(bytes: Uint8Array): boolean {
    this.writes.push(bytes);
    if (!this.reading) this.writableLength += bytes.byteLength;
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength);
    return this.writableLength < 16_384;
  }
  end(): void {
    this.ended = true;
    this.emit("close");
  }
  destroy(): void {
    this.destroyed = true;
    this.emit("close");
  }
  /** The client read everything. */
  drain(): void {
    this.writableLength = 0;
    this.emit("drain");
  }
  text(): string {
    return Buffer.concat(this.writes).toString();
  }
}

function watch(log: FakeLog, options: SseOptions = {}) {
  const res = new FakeResponse();
  const stop = new AbortController();
  const finished: string[] = [];
  const response = sseResponse(log.stream(), stop, { heartbeatMs: 60_000, ...options, finished: () => (finished.push("finished"), options.finished?.() ?? null) });
  expect(writeSseTo(response, res as unknown as ServerResponse)).toBe(true);
  return { res, stop, finished };
}

describe("SSE fan-out: one buffer per batch, written to every watcher in the hub's loop", () => {
  it("every watcher gets the same bytes for a batch, in order, and the stream ends after the terminal event", () => {
    const log = new FakeLog();
    const watchers = Array.from({ length: 100 }, () => watch(log));
    const batches = [[event(1)], [event(2), event(3)], [event(4), done(5)]];
    for (const batch of batches) log.append(batch);
    for (const { res, finished } of watchers) {
      // connected comment, then one write per batch
      expect(res.writes).toHaveLength(1 + batches.length);
      batches.forEach((batch, i) => expect(res.writes[i + 1]).toBe(watchers[0]!.res.writes[i + 1]));
      expect(res.text()).toBe(": connected\n\n" + batches.flat().map(sseFrame).join(""));
      expect(res.ended).toBe(true);
      expect(finished).toEqual(["finished"]);
    }
    expect(sseBatchBytes(batches[1]!)).toBe(watchers[0]!.res.writes[2]);
    expect(log.followers.size).toBe(0);
  });

  it("a watcher that stops reading pauses its stream (nothing piles up for it) and resumes where it stopped once it reads", () => {
    const log = new FakeLog();
    const limits = { highWaterBytes: 10_000, maxBufferedBytes: 100_000, slowConsumerMs: 60_000 };
    const slow = watch(log, { limits });
    const fast = watch(log, { limits });
    slow.res.reading = false;
    const big = "x".repeat(4_000);
    for (let seq = 1; seq <= 20; seq++) log.append([event(seq, big)]);
    const slowFollower = [...log.followers][0]!;
    expect(slowFollower.pauses).toBe(1);
    // Paused just past the high-water mark: at most one event over it, not 20 events' worth.
    expect(slow.res.maxBuffered).toBeLessThan(limits.highWaterBytes + 5_000);
    expect(fast.res.text()).toContain('"seq":20');
    expect(slow.res.text()).not.toContain('"seq":20');

    slow.res.reading = true;
    slow.res.drain();
    expect(slowFollower.resumes).toBe(1);
    log.append([done(21)]);
    for (const { res } of [slow, fast]) {
      const seqs = [...res.text().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
      expect(seqs).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
      expect(res.ended).toBe(true);
    }
  });

  it("a catch-up batch larger than the high-water mark is written frame by frame; the rest comes after the client has read", () => {
    const log = new FakeLog();
    const big = "x".repeat(4_000);
    log.log.push(...Array.from({ length: 30 }, (_, i) => event(i + 1, big)), done(31));
    const slow = watch(log, { limits: { highWaterBytes: 10_000, maxBufferedBytes: 20_000, slowConsumerMs: 60_000 } });
    slow.res.reading = false;
    // The whole log in one batch, as the hub hands a late joiner its catch-up.
    const follower = [...log.followers][0]!;
    follower.cursor = 31;
    follower.sink.events(log.log);
    expect(slow.res.destroyed).toBe(false);
    expect(follower.pauses).toBe(1);
    expect(follower.cursor).toBeLessThan(10);
    expect(slow.res.maxBuffered).toBeLessThan(15_000);
    while (log.followers.has(follower)) {
      slow.res.drain();
    }
    const seqs = [...slow.res.text().matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(seqs).toEqual(Array.from({ length: 31 }, (_, i) => i + 1));
    expect(slow.res.ended).toBe(true);
  });

  it("a watcher that does not read within slowConsumerMs is cut off, and its stream released", async () => {
    const log = new FakeLog();
    const slow = watch(log, { limits: { highWaterBytes: 1_000, maxBufferedBytes: 1_000_000, slowConsumerMs: 50 } });
    slow.res.reading = false;
    log.append([event(1, "x".repeat(2_000))]);
    await expect.poll(() => slow.res.destroyed).toBe(true);
    expect(slow.res.ended).toBe(false);
    expect(slow.finished).toEqual(["finished"]);
    expect(slow.stop.signal.aborted).toBe(true);
    expect(log.followers.size).toBe(0);
  });

  it("a write that takes a watcher past maxBufferedBytes cuts it off at once", () => {
    const log = new FakeLog();
    const slow = watch(log, { limits: { highWaterBytes: 1_000, maxBufferedBytes: 5_000, slowConsumerMs: 60_000 } });
    slow.res.reading = false;
    log.append([event(1, "x".repeat(6_000))]);
    expect(slow.res.destroyed).toBe(true);
    expect(log.followers.size).toBe(0);
  });

  it("a stop (credential ended) sends the last frame and ends the response; a client that goes away ends the stream", () => {
    const log = new FakeLog();
    const revoked = watch(log, { finished: () => "event: error\ndata: {}\n\n" });
    log.append([event(1)]);
    revoked.stop.abort();
    expect(revoked.res.text().endsWith("event: error\ndata: {}\n\n")).toBe(true);
    expect(revoked.res.ended).toBe(true);

    const gone = watch(log);
    gone.res.emit("close");
    expect(gone.stop.signal.aborted).toBe(true);
    expect(gone.finished).toEqual(["finished"]);
    expect(log.followers.size).toBe(0);
  });

  it("through a web stream (Next's route), the same events arrive; nothing starts until the body is read", async () => {
    const log = new FakeLog();
    const response = sseResponse(log.stream(), new AbortController());
    expect(log.followers.size).toBe(0);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe(": connected\n\n");
    log.append([event(1), event(2)]);
    log.append([done(3)]);
    let text = "";
    for (;;) {
      const { value, done: over } = await reader.read();
      if (over) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toBe([event(1), event(2), done(3)].map(sseFrame).join(""));
  });

  it("on a real node:http server: chunks written straight to the socket are valid HTTP, and the connection is reused after the stream ends", async () => {
    const log = new FakeLog();
    const server = http.createServer((req, res) => {
      if (req.url === "/plain") return void res.end("ok");
      const response = sseResponse(log.stream(), new AbortController());
      res.writeHead(200, Object.fromEntries(response.headers));
      res.flushHeaders();
      writeSseTo(response, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const sockets = new Set<unknown>();
      const body = await new Promise<string>((resolve, reject) => {
        http
          .get(`${url}/stream`, { agent }, (res) => {
            sockets.add(res.socket);
            expect(res.headers["transfer-encoding"]).toBe("chunked");
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              text += chunk;
              if (text === ": connected\n\n") {
                log.append([event(1, "é ü — multi-byte"), event(2)]);
                log.append([done(3)]);
              }
            });
            res.on("end", () => resolve(text));
          })
          .on("error", reject);
      });
      expect(body).toBe(": connected\n\n" + [event(1, "é ü — multi-byte"), event(2), done(3)].map(sseFrame).join(""));
      const plain = await new Promise<string>((resolve, reject) => {
        http
          .get(`${url}/plain`, { agent }, (res) => {
            sockets.add(res.socket);
            res.setEncoding("utf8");
            let text = "";
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () => resolve(text));
          })
          .on("error", reject);
      });
      expect(plain).toBe("ok");
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
