import type { Database } from "../db/client";
import type { AgentEvent } from "../agents/types";
import { log } from "../log";
import { appendEvents, type EventInput } from "./event-log";
import { ACTIVE_STATES } from "./lifecycle";

/** Merged output chunks never grow past this; a new row starts instead. */
const MAX_MERGED_CHARS = 32_768;

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
 * Collects a running task's events and writes them every `intervalMs` in one transaction, so a
 * chatty agent costs one row per stream per batch rather than one per chunk. Writes are chained,
 * so order is kept, and fenced by the attempt: a refused write means the claim is lost.
 */
export class OutputBatcher {
  private pending: EventInput[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<boolean> = Promise.resolve(true);
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly taskId: string,
    private readonly attempt: number,
    private readonly intervalMs: number,
    private readonly onLost: () => void,
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
    if (batch.length === 0) return this.chain;
    this.chain = this.chain.then(async (ok) => {
      if (!ok) return false;
      try {
        const last = await this.db.transaction((tx) => appendEvents(tx, this.taskId, batch, { attempt: this.attempt, states: ACTIVE_STATES }));
        if (last === null) this.onLost();
        return last !== null;
      } catch (error) {
        // A database hiccup loses this batch but must not stop the run; the heartbeat decides if the claim is gone.
        log.warn({ err: error, taskId: this.taskId, events: batch.length }, "could not write task output");
        return true;
      }
    });
    return this.chain;
  }

  /** Drop what is pending and refuse further events (the claim is gone; nothing may be written). */
  discard(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
    this.closed = true;
  }

  /** Flush and refuse further events (the run is over). */
  async close(): Promise<boolean> {
    const ok = await this.flush();
    this.closed = true;
    return ok;
  }
}
