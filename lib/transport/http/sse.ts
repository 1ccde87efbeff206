import { log } from "../../log";

export const SSE_HEARTBEAT_MS = 15_000;
const CONNECTED = new TextEncoder().encode(": connected\n\n");
const HEARTBEAT = new TextEncoder().encode(": heartbeat\n\n");

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

const encoder = new TextEncoder();
const encodedFrames = new WeakMap<StreamEvent, Uint8Array>();

/**
 * An event's SSE frame as bytes, encoded once per event object: with 1,000 watchers of one task
 * (who all get the same object from the runtime's stream) it is stringified and encoded once,
 * and the same bytes are written to every response.
 */
export function sseFrameBytes(event: StreamEvent): Uint8Array {
  let bytes = encodedFrames.get(event);
  if (!bytes) encodedFrames.set(event, (bytes = encoder.encode(sseFrame(event))));
  return bytes;
}

/**
 * Serve a task's events as text/event-stream with heartbeat comments. `stop` is aborted when the
 * client goes away (the adapter passes its signal to the event iterable), which ends the iteration.
 */
export function sseResponse(events: AsyncIterable<StreamEvent>, stop: AbortController, options: SseOptions = {}): Response {
  const heartbeatMs = options.heartbeatMs ?? SSE_HEARTBEAT_MS;
  let finished = false;
  const finish = () => {
    if (finished) return null;
    finished = true;
    return options.finished?.() ?? null;
  };
  let heartbeat: NodeJS.Timeout | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (bytes: Uint8Array) => {
        try {
          controller.enqueue(bytes);
        } catch {
          stop.abort();
        }
      };
      send(CONNECTED);
      heartbeat = setInterval(() => send(HEARTBEAT), heartbeatMs);
      void (async () => {
        try {
          for await (const event of events) send(sseFrameBytes(event));
        } catch (error) {
          log.warn({ err: error }, "task event stream failed");
        } finally {
          clearInterval(heartbeat);
          const last = finish();
          if (last) send(encoder.encode(last));
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        }
      })();
    },
    cancel() {
      clearInterval(heartbeat);
      finish();
      stop.abort();
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
