import { sleep } from "./stats";

/** A tiny client for the product's HTTP API with the bench's bearer token (loopback only). */
export class Api {
  constructor(
    readonly baseURL: string,
    private readonly token: string,
  ) {}

  get authHeader(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseURL}${path}`, {
      method,
      headers: { ...this.authHeader, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  submit(prompt: string, context: Record<string, unknown> = {}) {
    return this.call<{ task_id: string; state: string }>("POST", "/api/runtime/tasks/submit", { agent_type: "test-echo", prompt, context });
  }

  state(taskId: string) {
    return this.call<{ state: string; events_count: number }>("GET", `/api/runtime/tasks/${taskId}/state`);
  }

  /** Follow the task's SSE stream until the server ends it (after the terminal event), bounded. */
  async follow(taskId: string, timeoutMs: number): Promise<void> {
    const res = await fetch(`${this.baseURL}/api/runtime/tasks/${taskId}/stream`, {
      headers: { ...this.authHeader, accept: "text/event-stream" },
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`stream of ${taskId} answered ${res.status}: ${text.slice(0, 300)}`);
    if (!/"state":"(COMPLETED|FAILED|CANCELLED)"/.test(text)) throw new Error(`stream of ${taskId} ended before a terminal state`);
  }

  /** Poll until the task reaches `state` (bounded). */
  async waitForState(taskId: string, state: string, timeoutMs: number): Promise<{ state: string; events_count: number }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await this.state(taskId);
      if (current.state === state) return current;
      if (Date.now() > deadline) throw new Error(`task ${taskId} is ${current.state}, not ${state}, after ${timeoutMs} ms`);
      await sleep(50);
    }
  }

}
