import type { Api } from "./api";

export const DISPATCH_PROMPT = "say: bench dispatch";

export interface DispatchRun {
  submitted: number;
  failed: number;
  /** Wall time from the first submit until every task had finished. */
  wallMs: number;
  /** True when the time cap stopped the run before `count` tasks. */
  capped: boolean;
}

/**
 * Submit one-line test-echo tasks over HTTP, keeping at most `window` of them unfinished at any
 * moment: each slot submits, follows its task's SSE stream to the end (as a real client would),
 * then submits the next. With the window below the worker's concurrency a free worker slot is
 * always waiting, so the latency the database records is wake-up and claim, never queueing behind
 * other tasks — on a fast machine or a loaded one alike. Latencies are read afterwards (db.ts).
 */
export async function submitWindowed(
  api: Api,
  options: { count: number; window: number; prompt: string; maxMs: number },
  say: (line: string) => void,
): Promise<DispatchRun> {
  const started = performance.now();
  let next = 0;
  let done = 0;
  let failed = 0;
  let firstError = "";
  const slot = async () => {
    while (next < options.count && performance.now() - started < options.maxMs) {
      const i = next++;
      try {
        const { task_id: taskId } = await api.submit(`${options.prompt} ${i}`);
        await api.follow(taskId, 60_000);
      } catch (error) {
        failed++;
        firstError ||= (error as Error).message;
      }
      if (++done % 250 === 0) say(`  ${done}/${options.count} tasks done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    }
  };
  await Promise.all(Array.from({ length: options.window }, slot));
  if (failed) say(`  ${failed} tasks failed, first: ${firstError}`);
  return { submitted: done - failed, failed, wallMs: performance.now() - started, capped: done < options.count };
}

/**
 * End to end, like the peers' jobs/s: `count` tasks submitted by `producers` at once as fast as the
 * server takes them, then followed until each has finished. Tasks per second from the first submit
 * to the last terminal event seen.
 */
export async function submitAndFinish(api: Api, options: { count: number; producers: number; prompt: string }): Promise<{ perSecond: number; failed: number }> {
  const started = performance.now();
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: options.producers }, async () => {
      while (next < options.count) ids.push((await api.submit(`${options.prompt} ${next++}`)).task_id);
    }),
  );
  let failed = 0;
  let cursor = 0;
  await Promise.all(
    Array.from({ length: options.producers }, async () => {
      while (cursor < ids.length) await api.follow(ids[cursor++], 120_000).catch(() => failed++);
    }),
  );
  return { perSecond: options.count / ((performance.now() - started) / 1000), failed };
}
