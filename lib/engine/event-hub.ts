import type { DatabaseHandle } from "../db/client";
import type { ExecutionEvent } from "../db/schema";
import { log } from "../log";
import { CHANNELS, parseEventNotice } from "./channels";
import { receiveCommittedEvents } from "./committed-events";
import { readEvents } from "./event-log";

const PAGE = 500;
/** An iterator subscriber (subscribe()) with this many events unread stops being fed until it reads … */
const ITERATOR_PAUSE_AT = 2_000;
/** … and is fed again (from the log) once it is down to this many. */
const ITERATOR_RESUME_AT = 200;

/**
 * Receives a task's new events, synchronously, inside the hub's delivery loop: whatever it does
 * with them (write one frame to a socket) happens for every follower in that one loop, without
 * a promise or a task hop per follower.
 */
export interface EventSink {
  /**
   * Rows with seq > the follower's cursor, in seq order, without gaps. The array (and its rows)
   * is shared with every follower at the same cursor: read it, never modify it.
   */
  events(rows: readonly ExecutionEvent[]): void;
  /** The hub stopped following for this sink (the hub closed, or `events` threw): no more calls. Not called after close(). */
  ended?(): void;
}

/** A follower's handle: backpressure (pause/resume) and the end of following (close). */
export interface Following {
  /**
   * Stop delivering (the consumer is behind); nothing is buffered for it meanwhile: its cursor
   * stays. Called inside `events` with `through`, the consumer took the rows only up to that seq:
   * the rest of the batch comes again (from the log) after resume().
   */
  pause(through?: number): void;
  /** Deliver again from the cursor: what was written meanwhile is read from the log first. */
  resume(): void;
  /** Stop for good (idempotent). */
  close(): void;
  /** The last seq delivered (or `after`). */
  readonly cursor: number;
  readonly closed: boolean;
}

export interface EventSubscription extends AsyncIterableIterator<ExecutionEvent> {
  close(): void;
}

type Place = "live" | "behind" | "paused" | "closed" | "starting";

interface Follower {
  cursor: number;
  sink: EventSink;
  place: Place;
}

/**
 * One task's followers on this node. `live` are all at `head` or past it (ahead, when they asked
 * for a later `after`): one read of the log after `head` feeds all of them with the same rows.
 * `behind` are catching up from an earlier seq (a late joiner, a resumed slow consumer): they
 * are read for separately, bounded by `head`, so their catch-up never delays the live ones,
 * and join `live` once they reach `head`.
 */
interface Feed {
  taskId: string;
  head: number;
  live: Set<Follower>;
  behind: Set<Follower>;
  paused: Set<Follower>;
  reading: boolean;
  again: boolean;
}

/**
 * Per-process fan-out of task events. It LISTENs once; a NOTIFY (task, seq) makes it read the new
 * rows from the log once per task and hand the same rows to every local follower, synchronously
 * in one loop. Reading from the log (not from the notification) means nothing is lost or
 * reordered, and a follower can start at any seq. Rows a writer of this process has just
 * committed are handed to it directly (committed-events.ts) and need no read, when they continue
 * exactly where its followers are; anything else waits for the NOTIFY. A NOTIFY for a seq already read costs nothing;
 * notifications arriving during a read are coalesced into one more read. A slow poll covers
 * notifications lost while reconnecting.
 */
export class EventHub {
  private readonly feeds = new Map<string, Feed>();
  private ready: Promise<void> | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private poll: NodeJS.Timeout | undefined;
  private reads = 0;
  private handedOff = 0;
  private readonly stopHandoff: () => void;

  constructor(
    private readonly handle: DatabaseHandle,
    private readonly pollMs = 5_000,
  ) {
    this.stopHandoff = receiveCommittedEvents(handle.db, (taskId, rows) => this.offer(taskId, rows));
  }

  private start(): Promise<void> {
    this.ready ??= (async () => {
      this.unlisten = await this.handle.listen(CHANNELS.events, (payload) => {
        const notice = parseEventNotice(payload);
        if (!notice) return;
        const feed = this.feeds.get(notice.taskId);
        // Already read that far (by an earlier read or the poll): nothing to do.
        if (feed && (notice.seq > feed.head || feed.behind.size > 0)) this.kick(feed);
      });
      this.poll = setInterval(() => {
        for (const feed of this.feeds.values()) this.kick(feed);
      }, this.pollMs);
      this.poll.unref();
    })();
    // A failed LISTEN must not poison later subscriptions.
    this.ready.catch(() => (this.ready = undefined));
    return this.ready;
  }

  /**
   * Follow one task's events with seq > after: `sink.events` is called with each new block of
   * rows, in order, until close(). The LISTEN is in place before the first read, so nothing
   * written after `after` is missed.
   */
  follow(taskId: string, after: number, sink: EventSink): Following {
    const follower: Follower = { cursor: after, sink, place: "starting" };
    let paused = false;
    const handle: Following = {
      pause: (through) => {
        if (follower.place === "closed") return;
        if (through !== undefined && through < follower.cursor) follower.cursor = through;
        if (paused) return;
        paused = true;
        if (follower.place === "starting") return;
        this.move(taskId, follower, "paused");
      },
      resume: () => {
        if (follower.place === "closed" || !paused) return;
        paused = false;
        if (follower.place === "starting") return;
        const feed = this.move(taskId, follower, null);
        if (feed) this.kick(feed);
      },
      close: () => {
        if (follower.place === "closed") return;
        this.move(taskId, follower, "closed");
      },
      get cursor() {
        return follower.cursor;
      },
      get closed() {
        return follower.place === "closed";
      },
    };
    this.start().then(
      () => {
        if (follower.place === "closed") return;
        if (paused) {
          this.feedFor(taskId).paused.add(follower);
          follower.place = "paused";
          return;
        }
        const feed = this.move(taskId, follower, null);
        if (feed) this.kick(feed);
      },
      (error: unknown) => {
        // No LISTEN, no live events; the next follower tries again.
        log.warn({ err: error, taskId }, "could not LISTEN for task events");
        if (follower.place !== "closed") end(follower);
      },
    );
    return handle;
  }

  /** Events of one task with seq > after, live, in order, until close() or the consumer stops. */
  subscribe(taskId: string, after = 0): EventSubscription {
    const queue: ExecutionEvent[] = [];
    let head = 0;
    let wake: (() => void) | undefined;
    let held = false;
    const following = this.follow(taskId, after, {
      events(rows) {
        for (const row of rows) queue.push(row);
        if (queue.length - head >= ITERATOR_PAUSE_AT && !held) {
          held = true;
          following.pause();
        }
        wake?.();
      },
      ended: () => wake?.(),
    });
    const close = () => {
      following.close();
      wake?.();
    };
    const iterator: EventSubscription = {
      async next() {
        while (!following.closed && head === queue.length) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (head === queue.length) return { value: undefined, done: true };
        const value = queue[head]!;
        queue[head++] = undefined as unknown as ExecutionEvent;
        if (head === queue.length) {
          queue.length = 0;
          head = 0;
        }
        if (held && queue.length - head <= ITERATOR_RESUME_AT) {
          held = false;
          following.resume();
        }
        return { value, done: false };
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

  private feedFor(taskId: string): Feed {
    let feed = this.feeds.get(taskId);
    if (!feed) this.feeds.set(taskId, (feed = { taskId, head: 0, live: new Set(), behind: new Set(), paused: new Set(), reading: false, again: false }));
    return feed;
  }

  /**
   * Take a follower out of its set and put it where it belongs now: `paused`, `closed`, or (null)
   * live or behind by its cursor. Returns the feed when the follower is active.
   */
  private move(taskId: string, follower: Follower, to: "paused" | "closed" | null): Feed | undefined {
    const feed = this.feeds.get(taskId);
    if (feed) {
      feed.live.delete(follower);
      feed.behind.delete(follower);
      feed.paused.delete(follower);
    }
    if (to === "closed") {
      follower.place = "closed";
      if (feed && feed.live.size + feed.behind.size + feed.paused.size === 0) this.feeds.delete(taskId);
      return undefined;
    }
    const target = feed ?? this.feedFor(taskId);
    if (to === "paused") {
      target.paused.add(follower);
      follower.place = "paused";
      return undefined;
    }
    this.place(target, follower);
    return target;
  }

  private place(feed: Feed, follower: Follower): void {
    if (feed.live.size === 0 && !feed.reading) feed.head = follower.cursor;
    if (follower.cursor >= feed.head) {
      feed.live.add(follower);
      follower.place = "live";
    } else {
      feed.behind.add(follower);
      follower.place = "behind";
    }
  }

  /** Read new rows for a task and deliver them; one read loop per task at a time, bursts coalesced. */
  private kick(feed: Feed): void {
    if (feed.reading) {
      feed.again = true;
      return;
    }
    feed.reading = true;
    void (async () => {
      try {
        do {
          feed.again = false;
          if (feed.live.size > 0) await this.readLive(feed);
          if (feed.behind.size > 0) await this.catchUp(feed);
        } while (feed.again && this.feeds.get(feed.taskId) === feed);
      } catch (error) {
        log.warn({ err: error, taskId: feed.taskId }, "reading task events failed; the poll retries");
      } finally {
        feed.reading = false;
      }
    })();
  }

  /** One read after `head`, the same rows to every live follower. */
  private async readLive(feed: Feed): Promise<void> {
    const from = feed.head;
    this.reads++;
    const rows = await readEvents(this.handle.db, feed.taskId, { after: from, limit: PAGE });
    if (rows.length === PAGE) feed.again = true;
    if (rows.length === 0) return;
    feed.head = Math.max(feed.head, rows.at(-1)!.seq);
    deliver(rows, feed.live, (follower) => {
      // Cannot happen while head only grows; a follower that would skip rows catches up instead.
      feed.live.delete(follower);
      feed.behind.add(follower);
      follower.place = "behind";
      feed.again = true;
    });
  }

  /**
   * Rows just committed by a writer of this process: delivered at once to the live followers when
   * they continue `head` without a gap (the NOTIFY that follows then costs nothing). Rows past a gap
   * (another writer's, not yet read) are left to the NOTIFY's read, so order and completeness
   * never depend on the handoff.
   */
  private offer(taskId: string, rows: readonly ExecutionEvent[]): void {
    const feed = this.feeds.get(taskId);
    if (!feed || feed.live.size === 0) return;
    const fresh = rows[0]!.seq > feed.head ? rows : rows.filter((row) => row.seq > feed.head);
    if (fresh.length === 0 || fresh[0]!.seq !== feed.head + 1) return;
    this.handedOff++;
    feed.head = fresh.at(-1)!.seq;
    deliver(fresh, feed.live, (follower) => {
      feed.live.delete(follower);
      feed.behind.add(follower);
      follower.place = "behind";
      this.kick(feed);
    });
  }

  /** Feed the followers behind `head` from the log (never past `head`), then let them join the live ones. */
  private async catchUp(feed: Feed): Promise<void> {
    let from = Infinity;
    for (const follower of feed.behind) from = Math.min(from, follower.cursor);
    const until = feed.head;
    if (from < until) {
      this.reads++;
      const rows = (await readEvents(this.handle.db, feed.taskId, { after: from, limit: Math.min(PAGE, until - from) })).filter((row) => row.seq <= until);
      if (rows.length > 0) deliver(rows, feed.behind, () => (feed.again = true));
    }
    for (const follower of feed.behind) {
      if (follower.cursor >= feed.head) {
        feed.behind.delete(follower);
        feed.live.add(follower);
        follower.place = "live";
      } else {
        feed.again = true;
      }
    }
  }

  /** How many tasks and followers this process is following, how many log reads it made and how many writes it was handed (observability, tests). */
  stats(): { tasks: number; subscribers: number; reads: number; handedOff: number } {
    let subscribers = 0;
    for (const feed of this.feeds.values()) subscribers += feed.live.size + feed.behind.size + feed.paused.size;
    return { tasks: this.feeds.size, subscribers, reads: this.reads, handedOff: this.handedOff };
  }

  async close(): Promise<void> {
    this.stopHandoff();
    if (this.poll) clearInterval(this.poll);
    const followers: Follower[] = [];
    for (const feed of this.feeds.values()) followers.push(...feed.live, ...feed.behind, ...feed.paused);
    this.feeds.clear();
    for (const follower of followers) end(follower);
    await this.unlisten?.().catch(() => {});
  }
}

/**
 * Hand `rows` (contiguous, ascending) to each follower past its cursor. Followers at the same
 * cursor get the same array. `gap` is told about a follower whose cursor is before the first row.
 */
function deliver(rows: readonly ExecutionEvent[], followers: Set<Follower>, gap: (follower: Follower) => void): void {
  const first = rows[0]!.seq;
  const last = rows.at(-1)!.seq;
  let tails: Map<number, readonly ExecutionEvent[]> | undefined;
  for (const follower of followers) {
    if (follower.place === "closed" || follower.cursor >= last) continue;
    if (follower.cursor < first - 1) {
      gap(follower);
      continue;
    }
    let batch = rows;
    if (follower.cursor >= first) {
      tails ??= new Map();
      batch = tails.get(follower.cursor) ?? rows.filter((row) => row.seq > follower.cursor);
      tails.set(follower.cursor, batch);
    }
    follower.cursor = last;
    try {
      follower.sink.events(batch);
    } catch (error) {
      // One broken consumer must not stop the others.
      log.error({ err: error }, "a task event follower threw; it is dropped");
      followers.delete(follower);
      end(follower);
    }
  }
}

function end(follower: Follower): void {
  follower.place = "closed";
  try {
    follower.sink.ended?.();
  } catch (error) {
    log.error({ err: error }, "a task event follower's end handler threw");
  }
}

const hubs = new WeakMap<DatabaseHandle, EventHub>();

/** The one hub for a database handle in this process. */
export function eventHubFor(handle: DatabaseHandle): EventHub {
  let hub = hubs.get(handle);
  if (!hub) hubs.set(handle, (hub = new EventHub(handle)));
  return hub;
}
