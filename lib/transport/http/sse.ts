import type { ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { log } from "../../log";
import { isLiveTaskEvents, type TaskEventFlow } from "../../runtime/stream";

export const SSE_HEARTBEAT_MS = 15_000;
const CONNECTED = Buffer.from(": connected\n\n");
const HEARTBEAT = Buffer.from(": heartbeat\n\n");

/** What one SSE watcher may cost the node: its unsent bytes are bounded, a reader that stops is cut off. */
export interface SseLimits {
  /** Unsent bytes above which the stream stops taking events (they stay in the log) until the client has read what it was sent. */
  highWaterBytes: number;
  /** Unsent bytes above which the client is cut off at once. */
  maxBufferedBytes: number;
  /** How long a stopped stream waits for the client to read before cutting it off. */
  slowConsumerMs: number;
}

export const DEFAULT_SSE_LIMITS: SseLimits = { highWaterBytes: 1_048_576, maxBufferedBytes: 8 * 1_048_576, slowConsumerMs: 10_000 };

/** What an event stream carries: log entries with a seq (the SSE id) and a type (the SSE event name). */
export interface StreamEvent {
  seq: number;
  type: string;
}

/** One event in SSE framing: the seq is the id, so a reconnecting client resumes with Last-Event-ID. */
export function sseFrame(event: StreamEvent): string {
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

export interface SseOptions {
  heartbeatMs?: number;
  limits?: Partial<SseLimits>;
  /** Called once when the stream is over (whatever ended it); returns a last frame to send, if any. */
  finished?: () => string | null;
}

/**
 * The last frame of a stream cut because its credential ended (revoked, expired, signed out,
 * user disabled): an `error` event with the API's error body, so the reader knows not to
 * reconnect with the same credential.
 */
export function credentialEndedFrame(reason: string): string {
  const body = { error: { code: "unauthenticated", message: `The credential ended: ${reason}`, details: { reason } } };
  return `event: error\ndata: ${JSON.stringify(body)}\n\n`;
}

const encodedFrames = new WeakMap<StreamEvent, Buffer>();
const encodedBatches = new WeakMap<readonly StreamEvent[], { size: number; bytes: Buffer | null }>();

/**
 * An event's SSE frame as bytes, encoded once per event object: with 1,000 watchers of one task
 * (who all get the same object from the runtime's stream) it is stringified and encoded once,
 * and the same bytes are written to every response.
 */
export function sseFrameBytes(event: StreamEvent): Buffer {
  let bytes = encodedFrames.get(event);
  if (!bytes) encodedFrames.set(event, (bytes = Buffer.from(sseFrame(event))));
  return bytes;
}

/**
 * A batch of events as one buffer of SSE frames, encoded once per batch array: the event hub hands
 * the same array to every watcher at the same point, so each socket gets one write of the same
 * bytes. Null when the batch is larger than `max` bytes (a long catch-up): written frame by frame.
 */
export function sseBatchBytes(events: readonly StreamEvent[], max = Infinity): Buffer | null {
  if (events.length === 1) return sseFrameBytes(events[0]!);
  let batch = encodedBatches.get(events);
  if (!batch) encodedBatches.set(events, (batch = { size: events.reduce((n, e) => n + sseFrameBytes(e).length, 0), bytes: null }));
  if (batch.size > max) return null;
  batch.bytes ??= Buffer.concat(events.map(sseFrameBytes), batch.size);
  return batch.bytes;
}

/** Where a stream's bytes go: the node's own ServerResponse, or a web ReadableStream (Next's route). */
interface SseTarget {
  write(bytes: Uint8Array): void;
  /** Bytes written but not yet taken by the client. */
  buffered(): number;
  /** Call `then` once everything written so far has been taken. */
  onDrain(then: () => void): void;
  end(): void;
  /** Drop the connection (slow consumer). */
  destroy(): void;
}

const DIRECT = Symbol("clawlink.sse.direct");

/**
 * One watcher's SSE stream. Live task streams are followed by push: each batch of events the hub
 * delivers is written at once (the same buffer every watcher gets), in the hub's loop. Past the
 * high-water mark the stream pauses (the events stay in the log, nothing piles up here) until the
 * client has read what it was sent; a client that does not within slowConsumerMs, or whose unsent
 * bytes pass maxBufferedBytes, is cut off (it can reconnect with Last-Event-ID).
 */
class SseSession {
  private target: SseTarget | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private flow: TaskEventFlow | undefined;
  private over = false;
  private paused = false;
  private slowTimer: NodeJS.Timeout | undefined;
  private resumed: (() => void) | undefined;
  private readonly limits: SseLimits;

  constructor(
    private readonly events: AsyncIterable<StreamEvent>,
    private readonly stop: AbortController,
    private readonly options: SseOptions,
  ) {
    this.limits = { ...DEFAULT_SSE_LIMITS, ...options.limits };
  }

  start(target: SseTarget): void {
    if (this.target) throw new Error("an SSE stream is written to one client");
    this.target = target;
    target.write(CONNECTED);
    this.heartbeat = setInterval(() => target.write(HEARTBEAT), this.options.heartbeatMs ?? SSE_HEARTBEAT_MS);
    this.stop.signal.addEventListener("abort", this.onStop, { once: true });
    const events = this.events;
    if (isLiveTaskEvents(events)) {
      this.flow = events.follow({
        events: (batch) => this.sendBatch(batch),
        end: () => this.finish(true),
      });
    } else {
      void this.iterate(events);
    }
  }

  /** The client went away (or the body was cancelled): no last frame. */
  cancel(): void {
    if (this.over) return;
    this.finish(false);
    this.stop.abort();
  }

  private readonly onStop = () => this.flow?.close();

  /** A batch in one write when it fits under the high-water mark (live events); else frame by frame until the client is behind. */
  private sendBatch(batch: readonly StreamEvent[]): void {
    const whole = sseBatchBytes(batch, this.limits.highWaterBytes);
    if (whole) return this.send(whole);
    for (let i = 0; i < batch.length && !this.over; i++) {
      this.send(sseFrameBytes(batch[i]!), i < batch.length - 1 ? batch[i]!.seq : undefined);
      if (this.paused) return;
    }
  }

  /** Write; past the high-water mark pause the stream (`through`: the seq this write ends at, when more of the batch follows). */
  private send(bytes: Uint8Array, through?: number): void {
    const target = this.target!;
    if (this.over) return;
    target.write(bytes);
    const buffered = target.buffered();
    if (buffered > this.limits.maxBufferedBytes) return this.cutOff(`over ${this.limits.maxBufferedBytes} unsent bytes`);
    if (buffered > this.limits.highWaterBytes && !this.paused) {
      this.paused = true;
      this.flow?.pause(through);
      this.slowTimer = setTimeout(() => this.cutOff(`did not read for ${this.limits.slowConsumerMs} ms`), this.limits.slowConsumerMs);
      target.onDrain(() => {
        clearTimeout(this.slowTimer);
        this.paused = false;
        if (this.over) return;
        this.flow?.resume();
        this.resumed?.();
      });
    }
  }

  /** Any other async iterable of events (none today): one event at a time, waiting for the client past the high-water mark. */
  private async iterate(events: AsyncIterable<StreamEvent>): Promise<void> {
    try {
      for await (const event of events) {
        if (this.over) return;
        this.send(sseFrameBytes(event));
        if (this.paused) await new Promise<void>((resolve) => (this.resumed = resolve));
      }
    } catch (error) {
      log.warn({ err: error }, "task event stream failed");
    }
    this.finish(true);
  }

  private finish(graceful: boolean): void {
    if (this.over) return;
    this.over = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.slowTimer);
    this.resumed?.();
    this.stop.signal.removeEventListener("abort", this.onStop);
    this.flow?.close();
    const last = this.options.finished?.() ?? null;
    if (!graceful || !this.target) return;
    if (last) this.target.write(Buffer.from(last));
    this.target.end();
  }

  private cutOff(why: string): void {
    if (this.over) return;
    log.info({ buffered: this.target?.buffered() }, `SSE slow consumer cut off: ${why}`);
    this.finish(false);
    this.stop.abort();
    this.target?.destroy();
  }
}

/**
 * Serve a task's events as text/event-stream with heartbeat comments. `stop` is aborted when the
 * client goes away (the adapter passes its signal to the event iterable), which ends the stream.
 * The node's own HTTP server writes it straight to its ServerResponse (`writeSseTo`); anyone
 * else (Next's route under `npm run dev`) reads the body, which starts the stream on first read.
 */
export function sseResponse(events: AsyncIterable<StreamEvent>, stop: AbortController, options: SseOptions = {}): Response {
  const session = new SseSession(events, stop, options);
  let drain: (() => void) | undefined;
  let started = false;
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (drain) {
          const then = drain;
          drain = undefined;
          then();
          return;
        }
        if (started) return;
        started = true;
        session.start({
          write(bytes) {
            try {
              controller.enqueue(bytes);
            } catch {
              session.cancel();
            }
          },
          buffered: () => Math.max(0, -(controller.desiredSize ?? 0)),
          onDrain: (then) => (drain = then),
          end() {
            try {
              controller.close();
            } catch {
              // already closed by the client
            }
          },
          destroy: () => controller.error(new Error("slow consumer")),
        });
      },
      cancel() {
        session.cancel();
      },
    },
    // A high-water mark of 0: pulled only when read, so a body nobody reads never starts the stream.
    new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
  );
  const response = new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
  Object.defineProperty(response, DIRECT, { value: session });
  return response;
}

/**
 * When `response` is an SSE stream from sseResponse: write it to `res` directly (headers must be
 * written already) and return true. The bytes go from the hub's delivery loop straight to the
 * socket, no web stream in between. The body of `response` is left unread.
 */
export function writeSseTo(response: Response, res: ServerResponse): boolean {
  const session = (response as { [DIRECT]?: SseSession })[DIRECT];
  if (!session) return false;
  res.socket?.setNoDelay(true);
  res.once("close", () => session.cancel());
  session.start(ownsSocket(res) ? socketTarget(res, res.socket!) : responseTarget(res));
  return true;
}

function responseTarget(res: ServerResponse): SseTarget {
  return {
    write: (bytes) => void res.write(bytes),
    buffered: () => res.writableLength,
    onDrain: (then) => res.once("drain", then),
    end: () => res.end(),
    destroy: () => res.destroy(),
  };
}

/**
 * The response's headers are on its socket and it writes chunked: each frame goes to the socket
 * as one HTTP chunk, framed once per batch (the same bytes for every watcher), one write per
 * socket instead of res.write's four pieces, cork and next-tick uncork. res.end() still ends it
 * (the last chunk), exactly as if every chunk had gone through res.write.
 */
function socketTarget(res: ServerResponse, socket: Socket): SseTarget {
  return {
    write: (bytes) => void socket.write(httpChunk(bytes)),
    buffered: () => socket.writableLength,
    onDrain: (then) => socket.once("drain", then),
    end: () => res.end(),
    destroy: () => res.destroy(),
  };
}

/** Whether nothing of `res` is waiting in node's own buffer and it is the socket's current response (not a pipelined one behind another). */
function ownsSocket(res: ServerResponse): boolean {
  const internals = res as ServerResponse & { chunkedEncoding?: boolean; outputData?: unknown[] };
  const socket = res.socket as (Socket & { _httpMessage?: unknown }) | null;
  return Boolean(socket && !socket.destroyed && internals.chunkedEncoding === true && res.headersSent && socket._httpMessage === res && internals.outputData?.length === 0);
}

const chunks = new WeakMap<Uint8Array, Buffer>();

/** `bytes` as one HTTP/1.1 chunk (size line, data, CRLF), built once per buffer. */
function httpChunk(bytes: Uint8Array): Buffer {
  let chunk = chunks.get(bytes);
  if (!chunk) {
    const head = Buffer.from(`${bytes.byteLength.toString(16)}\r\n`, "latin1");
    chunk = Buffer.allocUnsafe(head.length + bytes.byteLength + 2);
    head.copy(chunk, 0);
    chunk.set(bytes, head.length);
    chunk.write("\r\n", head.length + bytes.byteLength, "latin1");
    chunks.set(bytes, chunk);
  }
  return chunk;
}
