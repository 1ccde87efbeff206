import type { DatabaseHandle } from "../db/client";
import type { ExecutionEvent } from "../db/schema";
import { log } from "../log";
import { CHANNELS, parseEventNotice } from "./channels";
import { readEvents } from "./event-log";

const PAGE = 500;

interface Subscriber {
  cursor: number;
  queue: ExecutionEvent[];
  wake: (() => void) | undefined;
  closed: boolean;
}

interface Feed {
  subscribers: Set<Subscriber>;
  fetching: boolean;
  again: boolean;
}

export interface EventSubscription extends AsyncIterableIterator<ExecutionEvent> {
  close(): void;
}

/**
 * Per-process fan-out of task events. It LISTENs once; a NOTIFY (task, seq) makes it read the new
 * rows from the log once per task and hand them to every local subscriber past its own cursor.
 * Reading from the log (not from the notification) means nothing is lost or reordered, and a
 * subscriber can start at any seq. A slow poll covers notifications lost while reconnecting.
 */
export class EventHub {
  private readonly feeds = new Map<string, Feed>();
  private ready: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly pollMs = 5_000,
  ) {}

  private start(): Promise<void> {
    this.ready ??= (async () => {
      this.unlisten = await this.handle.listen(CHANNELS.events, (payload) => {
        const notice = parseEventNotice(payload);
        if (notice) this.kick(notice.taskId);
      });
      this.poll = setInterval(() => {
        for (const taskId of this.feeds.keys()) this.kick(taskId);
      }, this.pollMs);
      this.poll.unref();
    })();
    // A failed LISTEN must not poison later subscriptions.
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /** Events of one task with seq > after, live, in order, until close() or the consumer stops. */
  subscribe(taskId: string, after = 0): EventSubscription {
    const sub: Subscriber = { cursor: after, queue: [], wake: undefined, closed: false };
    const close = () => {
      if (sub.closed) return;
      sub.closed = true;
      sub.wake?.();
      const feed = this.feeds.get(taskId);
      feed?.subscribers.delete(sub);
      if (feed && feed.subscribers.size === 0) this.feeds.delete(taskId);
    };
    const started = this.start().then(() => {
      if (sub.closed) return;
      let feed = this.feeds.get(taskId);
      if (!feed) this.feeds.set(taskId, (feed = { subscribers: new Set(), fetching: false, again: false }));
      feed.subscribers.add(sub);
      this.kick(taskId);
    });
    const iterator: EventSubscription = {
      async next() {
        await started;
        while (!sub.closed && sub.queue.length === 0) await new Promise<void>((resolve) => (sub.wake = resolve));
        sub.wake = undefined;
        const value = sub.queue.shift();
        return value ? { value, done: false } : { value: undefined, done: true };
      },
      async return() {
        close();
        return { value: undefined, done: true };
      },
      close,
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  /** Read new rows for a task once and deliver them; coalesces bursts of notifications. */
  private kick(taskId: string): void {
    const feed = this.feeds.get(taskId);
    if (!feed) return;
    if (feed.fetching) {
      feed.again = true;
      return;
    }
    feed.fetching = true;
    void (async () => {
      try {
        do {
          feed.again = false;
          if (feed.subscribers.size === 0) break;
          const from = Math.min(...[...feed.subscribers].map((s) => s.cursor));
          const rows = await readEvents(this.handle.db, taskId, { after: from, limit: PAGE });
          for (const sub of feed.subscribers) {
            const fresh = rows.filter((r) => r.seq > sub.cursor);
            if (fresh.length === 0) continue;
            sub.queue.push(...fresh);
            sub.cursor = fresh.at(-1)!.seq;
            sub.wake?.();
          }
          if (rows.length === PAGE) feed.again = true;
        } while (feed.again);
      } catch (error) {
        log.warn({ err: error, taskId }, "reading task events failed; the poll retries");
      } finally {
        feed.fetching = false;
      }
    })();
  }

  /** How many tasks and subscribers this process is following (observability, tests). */
  stats(): { tasks: number; subscribers: number } {
    let subscribers = 0;
    for (const feed of this.feeds.values()) subscribers += feed.subscribers.size;
    return { tasks: this.feeds.size, subscribers };
  }

  async close(): Promise<void> {
    if (this.poll) clearInterval(this.poll);
    for (const feed of this.feeds.values()) {
      for (const sub of feed.subscribers) {
        sub.closed = true;
        sub.wake?.();
      }
    }
    this.feeds.clear();
    await this.unlisten?.().catch(() => {});
  }
}

const hubs = new WeakMap<DatabaseHandle, EventHub>();

/** The one hub for a database handle in this process. */
export function eventHubFor(handle: DatabaseHandle): EventHub {
  let hub = hubs.get(handle);
  if (!hub) hubs.set(handle, (hub = new EventHub(handle)));
  return hub;
}
