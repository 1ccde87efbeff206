import type { TaskEvent } from "./hooks/use-tasks";

/** What a follower of one task hears from the page's socket. */
export interface TaskFeed {
  /** Each event once, in order (after the `after` it subscribed with, and across reconnects). */
  onEvent(event: TaskEvent): void;
  /** The socket is up and the subscription is on / the socket dropped and is being reopened. */
  onStatus(status: "live" | "reconnecting"): void;
  /** The terminal state has been sent: nothing more will come. */
  onEnded(): void;
  /** The socket cannot serve this task (no socket on this node, refused, too many failures): use SSE. */
  onUnavailable(): void;
}

interface Follower {
  taskId: string;
  after: number;
  feed: TaskFeed;
  /** The id of its subscribe request on the current socket, while one is outstanding. */
  requestId: string | null;
}

const PROTOCOL = 1;
/** Close code 4002: the credential ended while connected (lib/transport/ws/close-codes.ts). */
const CREDENTIAL_ENDED = 4002;
const MAX_RECONNECTS = 5;
/** Keep an unused socket open this long, so moving between pages does not reconnect. */
const IDLE_CLOSE_MS = 10_000;

/**
 * The page's one WebSocket to the runtime (`/api/runtime/ws`, authenticated by the session cookie
 * from our own origin), shared by every live view: each followed task is one `subscribe {task_id,
 * after}` on it. A dropped socket is reopened with backoff and every task resubscribed after the
 * last seq it got, so nothing is lost or repeated. If the socket never opens (a node serving no
 * WebSocket, a proxy that does not pass upgrades) or keeps failing, the followers are told to use
 * SSE instead, and this page does not try the socket again. A close with 4002 (the session ended:
 * signed out everywhere, role changed, account disabled) is not retried: the page signs in again.
 */
export class LiveSocket {
  private socket: WebSocket | null = null;
  private welcomed = false;
  private unavailable = false;
  private failures = 0;
  private nextId = 1;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly followers = new Map<string, Follower>();

  constructor(
    private readonly url: string,
    /** What to do when the server closes with 4002 (the page's default: sign in again). */
    private readonly onCredentialEnded: () => void = () => {},
  ) {}

  get available(): boolean {
    return !this.unavailable && typeof WebSocket !== "undefined";
  }

  /** Follow one task from `after`; returns the function that stops following it. */
  follow(taskId: string, after: number, feed: TaskFeed): () => void {
    if (!this.available || this.followers.has(taskId)) {
      queueMicrotask(() => feed.onUnavailable());
      return () => {};
    }
    const follower: Follower = { taskId, after, feed, requestId: null };
    this.followers.set(taskId, follower);
    clearTimeout(this.idleTimer);
    if (this.welcomed) this.subscribe(follower);
    else this.open();
    return () => {
      if (this.followers.get(taskId) !== follower) return;
      this.followers.delete(taskId);
      if (this.welcomed) this.send({ type: "unsubscribe", id: this.id(), task_id: taskId });
      if (this.followers.size === 0) this.idleTimer = setTimeout(() => this.shutDown(), IDLE_CLOSE_MS);
    };
  }

  private open(): void {
    if (this.socket || this.unavailable) return;
    clearTimeout(this.retryTimer);
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => this.send({ type: "hello", protocol: PROTOCOL, client: "portal" });
    socket.onmessage = (message) => this.receive(message.data);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      // The credential ended while connected (signed out elsewhere, role changed, disabled): no retry.
      if (event.code === CREDENTIAL_ENDED) return this.credentialEnded();
      const wasWelcomed = this.welcomed;
      this.socket = null;
      this.welcomed = false;
      for (const follower of this.followers.values()) follower.requestId = null;
      // Never got through the handshake: no socket here, or refused. Otherwise count the failure.
      this.failures = wasWelcomed ? 1 : this.failures + 1;
      if (!wasWelcomed && this.failures === 1 && this.nextId === 1) return this.giveUp();
      if (this.failures > MAX_RECONNECTS) return this.giveUp();
      if (this.followers.size === 0) return;
      for (const follower of this.followers.values()) follower.feed.onStatus("reconnecting");
      this.retryTimer = setTimeout(() => this.open(), Math.min(10_000, 500 * 2 ** this.failures));
    };
  }

  private receive(data: unknown): void {
    let frame: Record<string, unknown>;
    try {
      frame = JSON.parse(String(data)) as Record<string, unknown>;
    } catch {
      return;
    }
    switch (frame.type) {
      case "welcome":
        this.welcomed = true;
        this.failures = 0;
        for (const follower of this.followers.values()) this.subscribe(follower);
        return;
      case "result": {
        const follower = this.byRequest(frame.id);
        if (follower) {
          follower.requestId = null;
          follower.feed.onStatus("live");
        }
        return;
      }
      case "event": {
        const follower = this.followers.get(String(frame.task_id));
        const event = frame.event as TaskEvent;
        if (!follower || event.seq <= follower.after) return;
        follower.after = event.seq;
        follower.feed.onEvent(event);
        return;
      }
      case "ended": {
        const follower = this.followers.get(String(frame.task_id));
        if (!follower) return;
        if (frame.reason === "finished") {
          this.followers.delete(follower.taskId);
          follower.feed.onEnded();
        } else {
          // The server's stream of this task broke: ask again from where it stopped.
          this.subscribe(follower);
        }
        return;
      }
      case "error": {
        const follower = this.byRequest(frame.id);
        if (!follower) return;
        this.followers.delete(follower.taskId);
        follower.feed.onUnavailable();
        return;
      }
    }
  }

  private subscribe(follower: Follower): void {
    follower.requestId = this.id();
    this.send({ type: "subscribe", id: follower.requestId, task_id: follower.taskId, after: follower.after });
  }

  private byRequest(id: unknown): Follower | undefined {
    for (const follower of this.followers.values()) if (follower.requestId !== null && follower.requestId === id) return follower;
    return undefined;
  }

  private credentialEnded(): void {
    this.socket = null;
    this.welcomed = false;
    this.unavailable = true;
    this.followers.clear();
    this.onCredentialEnded();
  }

  private giveUp(): void {
    this.unavailable = true;
    const followers = [...this.followers.values()];
    this.followers.clear();
    for (const follower of followers) follower.feed.onUnavailable();
  }

  private shutDown(): void {
    if (this.followers.size > 0) return;
    const socket = this.socket;
    this.socket = null;
    this.welcomed = false;
    socket?.close(1000, "idle");
  }

  private send(frame: object): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }

  private id(): string {
    return `p${this.nextId++}`;
  }
}

let shared: LiveSocket | undefined;

/** The page's socket, on the origin the page came from. */
export function liveSocket(): LiveSocket {
  shared ??= new LiveSocket(`${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/api/runtime/ws`, goToSignIn);
  return shared;
}

/** The page's session ended on the server: sign in again, then come back here. */
export function goToSignIn(): void {
  // A full load (not a client-side push): the signed-out page must drop every cached query.
  const signIn = new URL("/signin", location.origin);
  signIn.searchParams.set("callbackUrl", location.pathname + location.search);
  location.assign(signIn);
}
