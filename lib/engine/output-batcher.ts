import { and, desc, eq } from "drizzle-orm";
import type { Database } from "../db/client";
import { isTransientDatabaseError } from "../db/errors";
import { executionEvents } from "../db/schema";
import type { AgentEvent } from "../agents/types";
import { log } from "../log";
import { appendEvents, type EventInput } from "./event-log";
import { ACTIVE_STATES } from "./lifecycle";

/** Merged output chunks never grow past this; a new row starts instead. */
const MAX_MERGED_CHARS = 32_768;

/** How long one batch is retried through a database outage before it is given up (and that is logged as an event). */
export const OUTPUT_RETRY_MS = 60_000;

/** AgentEvent → a log entry with snake_case data, as the API shows it. */
export function toLogEvent(event: AgentEvent): EventInput {
  const { type, ...rest } = event;
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) data[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value;
  }
  return { type, data };
}

/**
 * Collects a running task's events and writes them every `intervalMs` in one statement, so a
 * chatty agent costs one row per stream per batch rather than one per chunk. Writes are chained,
 * so order is kept, and fenced by the attempt: a refused write means the claim is lost.
 * A write that fails (connection reset, outage) is retried, later batches waiting behind it; a
 * batch that cannot be written within `retryMs` (or fails for a non-transient reason) is given
 * up, and an `output_lost` event saying how many events went missing is written before the next
 * batch: output is never dropped silently.
 */
export class OutputBatcher {
  private pending: EventInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<boolean> = Promise.resolve(true);
  private closed = false;
  /** Events given up since the last successful write, not yet reported in the log. */
  private unreported = 0;

  constructor(
    private readonly db: Database,
    private readonly taskId: string,
    private readonly attempt: number,
    private readonly intervalMs: number,
    private readonly onLost: () => void,
    private readonly retryMs = OUTPUT_RETRY_MS,
  ) {}

  push(event: AgentEvent): void {
    if (this.closed) return;
    const entry = toLogEvent(event);
    const last = this.pending.at(-1);
    if (
      last &&
      entry.type === "output" &&
      last.type === "output" &&
      last.data?.stream === entry.data?.stream &&
      String(last.data?.text ?? "").length + String(entry.data?.text ?? "").length <= MAX_MERGED_CHARS
    ) {
      last.data = { ...last.data, text: `${String(last.data?.text ?? "")}${String(entry.data?.text ?? "")}` };
    } else {
      this.pending.push(entry);
    }
    this.timer ??= setTimeout(() => void this.flush(), this.intervalMs);
  }

  /** Write what is pending; resolves false if the write was fenced out. */
  flush(): Promise<boolean> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0 && this.unreported === 0) return this.chain;
    this.chain = this.chain.then((ok) => (ok ? this.write(batch) : false));
    return this.chain;
  }

  private async write(batch: EventInput[]): Promise<boolean> {
    const deadline = Date.now() + this.retryMs;
    let failed = false;
    for (let attempt = 1; ; attempt++) {
      const events = this.unreported > 0 ? [outputLostEvent(this.unreported), ...batch] : batch;
      if (events.length === 0) return true;
      try {
        // After a failed COMMIT the batch may have landed anyway: never write it twice.
        if (failed && (await this.landed(events))) {
          this.unreported = 0;
          return true;
        }
        // One statement on its own: atomic without BEGIN/COMMIT round trips.
        const last = await appendEvents(this.db, this.taskId, events, { attempt: this.attempt, states: ACTIVE_STATES });
        if (last === null) {
          this.onLost();
          return false;
        }
        this.unreported = 0;
        return true;
      } catch (error) {
        failed = true;
        if (!isTransientDatabaseError(error) || Date.now() >= deadline) {
          // Given up; the run goes on and the next write (or close) records the gap.
          this.unreported += batch.length;
          log.error({ err: error, taskId: this.taskId, events: batch.length }, "task output could not be written; recording the loss");
          return true;
        }
        if (attempt === 1) log.warn({ err: error, taskId: this.taskId, events: events.length }, "writing task output failed; retrying in order");
        await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 25 * 2 ** Math.min(attempt, 6))));
      }
    }
  }

  /** Whether exactly these events are already the latest of this attempt's log. */
  private async landed(events: EventInput[]): Promise<boolean> {
    const rows = await this.db
      .select({ type: executionEvents.type, data: executionEvents.data })
      .from(executionEvents)
      .where(and(eq(executionEvents.executionId, this.taskId), eq(executionEvents.attempt, this.attempt)))
      .orderBy(desc(executionEvents.seq))
      .limit(events.length + 20);
    const recent = rows.reverse().map((r) => `${r.type}:${canonical(r.data)}`);
    const wanted = events.map((e) => `${e.type}:${canonical(e.data ?? {})}`);
    for (let i = 0; i + wanted.length <= recent.length; i++) {
      if (wanted.every((w, j) => recent[i + j] === w)) return true;
    }
    return false;
  }

  /** Drop what is pending and refuse further events (the claim is gone; nothing may be written). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.closed = true;
  }

  /**
   * Refuse further events and hand back what is still unwritten (with any loss still to report),
   * once earlier writes have settled, for the caller to log in its own transaction (the final
   * state): one commit instead of two. Null when an earlier write was fenced out (the claim is lost).
   */
  async drain(): Promise<EventInput[] | null> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (!(await this.chain)) return null;
    const batch = this.pending;
    this.pending = [];
    const events = this.unreported > 0 ? [outputLostEvent(this.unreported), ...batch] : batch;
    this.unreported = 0;
    return events;
  }

  /** Flush (with any loss still to report) and refuse further events (the run is over). */
  async close(): Promise<boolean> {
    let ok = await this.flush();
    if (ok && this.unreported > 0) ok = await this.flush();
    this.closed = true;
    return ok;
  }
}

function outputLostEvent(count: number): EventInput {
  return { type: "output_lost", data: { events: count, message: `${count} output event(s) could not be written to the log (the database was unavailable) and are missing before this point` } };
}

/** JSON with sorted keys, as jsonb hands objects back. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}
