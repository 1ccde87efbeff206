import http from "node:http";
import { StringDecoder } from "node:string_decoder";
import { monitorEventLoopDelay } from "node:perf_hooks";
import WebSocket from "ws";
import type { Api } from "./api";
import { sleep, summarize, type Summary } from "./stats";

export interface SseOptions {
  watchers: number;
  chunks: number;
  chunkDelayMs: number;
}

export interface SseResult {
  watchers: number;
  connectMs: number;
  /** Watchers that received every event of the task, in order, up to the terminal one. */
  complete: number;
  liveEvents: number;
  /** now − event.created_at for every live event at every watcher. */
  all: Summary;
  /** The same, output events only (the "chunks on a schedule"). */
  output: Summary;
  /** Per event: the first watcher to receive it (≈ the write→NOTIFY→read path, before fan-out). */
  first: Summary;
  /** Per event: the last watcher minus the first (the cost of fanning one event out to every socket). */
  spread: Summary;
  /** The live events whose last watcher got them latest (seq, type, first and last arrival − created_at), worst first. */
  slowest: { seq: number; type: string; firstMs: number; lastMs: number }[];
  /** Event-loop delay of the measuring process while the events streamed (its own share of the latency). */
  clientLag: { p50: number; p99: number; max: number };
}

interface Received {
  seq: number;
  type: string;
  state: string | null;
  createdAt: number;
  receivedAt: number;
}

interface Watcher {
  events: Received[];
  caughtUp: boolean;
  ended: boolean;
  error: string | null;
  /** Drop the connection (at the end of the run). */
  close(): void;
  /** Parse what arrived after catching up (kept raw while streaming; see `Arrivals`). */
  settle(): void;
}

/** How the bench watches: SSE (`GET …/stream`) or the WebSocket (`subscribe` on /api/runtime/ws). */
export type Transport = "sse" | "ws";

type OpenWatcher = (api: Api, taskId: string, caughtUpSeq: number, onCaughtUp: () => void) => Watcher;

const LAG_RESOLUTION_MS = 2;
const now = () => performance.timeOrigin + performance.now();

type WireEvent = { seq: number; type: string; state: string | null; created_at: string };

function received(event: WireEvent, receivedAt: number): Received {
  return { seq: event.seq, type: event.type, state: event.state, createdAt: Date.parse(event.created_at), receivedAt };
}

/**
 * What arrived on one connection once it had caught up, kept as it came: each chunk (SSE) or
 * message (WebSocket) with its arrival time, parsed only after the run. The measuring process
 * shares the two cores with the server; parsing 1,000 streams while they stream would put its
 * own work into the latencies it measures. An event's arrival time is still the moment the
 * chunk holding the end of its frame (or its message) reached the client.
 */
class Arrivals {
  readonly chunks: Buffer[] = [];
  readonly times: number[] = [];

  add(chunk: Buffer): void {
    this.times.push(now());
    this.chunks.push(chunk);
  }
}

/** SSE frames out of a byte stream: each complete frame's `data:` JSON, stamped with the arrival of the chunk that completed it. */
class SseParser {
  private pending = "";
  private readonly decoder = new StringDecoder("utf8");

  constructor(private readonly onEvent: (event: WireEvent, receivedAt: number) => void) {}

  push(chunk: Buffer, receivedAt: number): void {
    let text = this.pending + this.decoder.write(chunk);
    let end: number;
    let start = 0;
    while ((end = text.indexOf("\n\n", start)) >= 0) {
      const frame = text.slice(start, end);
      start = end + 2;
      const data = frame.indexOf("data: ");
      if (data === -1) continue;
      const line = frame.indexOf("\n", data);
      this.onEvent(JSON.parse(frame.slice(data + 6, line === -1 ? undefined : line)) as WireEvent, receivedAt);
    }
    text = text.slice(start);
    this.pending = text;
  }
}

/**
 * One SSE connection. Until it has caught up, frames are parsed as they arrive (to know when it
 * has); after that the chunks are only kept with their arrival time and parsed at the end.
 */
function watchSse(api: Api, agent: http.Agent, taskId: string, caughtUpSeq: number, onCaughtUp: () => void): Watcher {
  const url = new URL(`/api/runtime/tasks/${taskId}/stream`, api.baseURL);
  const watcher = { events: [], caughtUp: false, ended: false, error: null } as unknown as Watcher;
  const arrivals = new Arrivals();
  const parser = new SseParser((event, receivedAt) => {
    watcher.events.push(received(event, receivedAt));
    if (!watcher.caughtUp && event.seq >= caughtUpSeq) {
      watcher.caughtUp = true;
      onCaughtUp();
    }
  });
  const request = http.get(url, { agent, headers: { ...api.authHeader, accept: "text/event-stream" } }, (res) => {
    if (res.statusCode !== 200) {
      watcher.error = `status ${res.statusCode}`;
      watcher.ended = true;
      res.resume();
      return;
    }
    res.on("data", (chunk: Buffer) => {
      if (watcher.caughtUp) arrivals.add(chunk);
      else parser.push(chunk, now());
    });
    res.on("end", () => (watcher.ended = true));
    res.on("error", (error) => {
      watcher.error = error.message;
      watcher.ended = true;
    });
  });
  request.on("error", (error) => {
    watcher.error = error.message;
    watcher.ended = true;
  });
  watcher.close = () => request.destroy();
  watcher.settle = () => {
    for (let i = 0; i < arrivals.chunks.length; i++) parser.push(arrivals.chunks[i]!, arrivals.times[i]!);
  };
  return watcher;
}

const EVENT = Buffer.from('{"type":"event"');
const startsWith = (data: Buffer, prefix: Buffer) => data.length >= prefix.length && data.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;

/**
 * One WebSocket per watcher (as 1,000 separate clients would connect): hello, subscribe from the
 * start of the log, event frames stamped with their arrival time (kept raw once caught up, parsed
 * at the end; other frames are parsed as they come).
 */
function watchWs(api: Api, taskId: string, caughtUpSeq: number, onCaughtUp: () => void): Watcher {
  const url = `${api.baseURL.replace(/^http/, "ws")}/api/runtime/ws`;
  const watcher = { events: [], caughtUp: false, ended: false, error: null } as unknown as Watcher;
  const arrivals = new Arrivals();
  const socket = new WebSocket(url, { headers: api.authHeader, perMessageDeflate: false });
  const onEvent = (event: WireEvent, receivedAt: number) => {
    watcher.events.push(received(event, receivedAt));
    if (!watcher.caughtUp && event.seq >= caughtUpSeq) {
      watcher.caughtUp = true;
      onCaughtUp();
    }
  };
  socket.on("open", () => socket.send(JSON.stringify({ type: "hello", protocol: 1, client: "bench" })));
  socket.on("message", (data: Buffer) => {
    if (watcher.caughtUp && startsWith(data, EVENT)) return arrivals.add(data);
    const receivedAt = now();
    const frame = JSON.parse(data.toString()) as { type: string; event?: WireEvent; status?: number };
    if (frame.type === "welcome") socket.send(JSON.stringify({ type: "subscribe", id: 1, task_id: taskId, after: 0 }));
    else if (frame.type === "event" && frame.event) onEvent(frame.event, receivedAt);
    // Sockets are closed after the run, not here: 1,000 close handshakes would land in the
    // arrival times of the sockets still receiving the last events.
    else if (frame.type === "ended") watcher.ended = true; else if (frame.type === "error") {
      watcher.error = `error frame ${frame.status}`;
      watcher.ended = true;
    }
  });
  socket.on("unexpected-response", (_req, res) => {
    watcher.error = `upgrade refused: ${res.statusCode}`;
    watcher.ended = true;
    res.resume();
  });
  socket.on("error", (error) => {
    watcher.error ??= error.message;
    watcher.ended = true;
  });
  socket.on("close", () => (watcher.ended = true));
  watcher.close = () => socket.terminate();
  watcher.settle = () => {
    for (let i = 0; i < arrivals.chunks.length; i++) {
      const frame = JSON.parse(arrivals.chunks[i]!.toString()) as { event: WireEvent };
      onEvent(frame.event, arrivals.times[i]!);
    }
  };
  return watcher;
}

/**
 * Event→SSE delivery with many watchers: one test-echo task that first asks a question (so it
 * parks in WAITING), `watchers` SSE connections that each catch up to that point, then the answer,
 * after which the task streams `chunks` output lines `chunkDelayMs` apart and completes. Every
 * event written after the answer is "live"; for each one at each watcher: arrival − created_at.
 */
export async function measureSse(api: Api, options: SseOptions, say: (line: string) => void, transport: Transport = "sse"): Promise<SseResult> {
  const { task_id: taskId } = await api.submit(`bench ${transport}`, { steps: [{ ask: "start streaming?" }, { chunks: options.chunks, delay_ms: options.chunkDelayMs, text: "bench chunk" }] });
  const parked = await api.waitForState(taskId, "WAITING", 30_000);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const watch: OpenWatcher = transport === "ws" ? watchWs : (a, id, seq, onCaughtUp) => watchSse(a, agent, id, seq, onCaughtUp);
  const watchers: Watcher[] = [];
  let caughtUp = 0;
  const started = now();
  try {
    // Open in waves so connection set-up does not time out on a busy two-core box.
    for (let i = 0; i < options.watchers; i++) {
      watchers.push(watch(api, taskId, parked.events_count, () => caughtUp++));
      if ((i + 1) % 50 === 0) {
        const deadline = Date.now() + 60_000;
        while (caughtUp + watchers.filter((w) => w.error).length < i + 1 - 50 && Date.now() < deadline) await sleep(10);
      }
      if ((i + 1) % 250 === 0) say(`  ${i + 1} watchers opened, ${caughtUp} caught up`);
    }
    const deadline = Date.now() + 120_000;
    while (caughtUp < options.watchers && Date.now() < deadline) {
      const failed = watchers.filter((w) => w.error);
      if (caughtUp + failed.length >= options.watchers) break;
      await sleep(20);
    }
    const connectMs = now() - started;
    const failed = watchers.filter((w) => w.error);
    say(`  ${caughtUp}/${options.watchers} watchers connected and caught up in ${(connectMs / 1000).toFixed(1)} s${failed.length ? `; ${failed.length} failed (${failed[0].error})` : ""}`);
    if (caughtUp === 0) throw new Error(`no ${transport === "ws" ? "WebSocket" : "SSE"} watcher could connect`);

    const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
    lag.enable();
    await api.call("POST", `/api/runtime/tasks/${taskId}/input`, { answer: "go" });
    say(`  answered; the task streams ${options.chunks} chunks ${options.chunkDelayMs} ms apart …`);
    const streamDeadline = Date.now() + options.chunks * options.chunkDelayMs + 60_000;
    while (watchers.some((w) => !w.ended && w.caughtUp) && Date.now() < streamDeadline) await sleep(50);

    lag.disable();
    for (const w of watchers) w.settle();
    // The histogram counts the sampling interval itself; what is left is the loop's real delay.
    const delay = (ns: number) => Math.max(0, ns / 1e6 - LAG_RESOLUTION_MS);
    const clientLag = { p50: delay(lag.percentile(50)), p99: delay(lag.percentile(99)), max: delay(lag.max) };
    return { ...analyse(watchers, parked.events_count, connectMs), clientLag };
  } finally {
    for (const w of watchers) w.close();
    agent.destroy();
  }
}

function analyse(watchers: Watcher[], parkedSeq: number, connectMs: number): Omit<SseResult, "clientLag"> {
  const all: number[] = [];
  const output: number[] = [];
  const bySeq = new Map<number, { min: number; max: number; type: string }>();
  let complete = 0;
  let lastSeq = 0;
  for (const w of watchers) {
    const seqs = w.events.map((e) => e.seq);
    const terminal = w.events.at(-1);
    if (seqs.every((s, i) => s === i + 1) && terminal?.type === "state" && terminal.state === "COMPLETED") complete++;
    for (const e of w.events) {
      if (e.seq <= parkedSeq) continue;
      const latency = e.receivedAt - e.createdAt;
      all.push(latency);
      if (e.type === "output") output.push(latency);
      const slot = bySeq.get(e.seq) ?? { min: Infinity, max: -Infinity, type: e.type === "state" ? `state ${e.state}` : e.type };
      slot.min = Math.min(slot.min, latency);
      slot.max = Math.max(slot.max, latency);
      bySeq.set(e.seq, slot);
      lastSeq = Math.max(lastSeq, e.seq);
    }
  }
  const slots = [...bySeq.values()];
  const slowest = [...bySeq]
    .sort((a, b) => b[1].max - a[1].max)
    .slice(0, 5)
    .map(([seq, s]) => ({ seq, type: s.type, firstMs: s.min, lastMs: s.max }));
  return {
    watchers: watchers.filter((w) => w.caughtUp).length,
    connectMs,
    complete,
    liveEvents: lastSeq - parkedSeq,
    all: summarize(all),
    output: summarize(output),
    first: summarize(slots.map((s) => s.min)),
    spread: summarize(slots.map((s) => s.max - s.min)),
    slowest,
  };
}
