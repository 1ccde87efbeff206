import { and, eq, gt, isNull } from "drizzle-orm";
import type { AgentAdapter, AgentRunResult, AgentSettings, HumanAnswer, HumanQuestion, SkillForAgent } from "../agents/types";
import type { Database } from "../db/client";
import { retryTransient } from "../db/errors";
import { executionEvents, executions, type Execution } from "../db/schema";
import { log } from "../log";
import { readEvents } from "./event-log";
import { isTerminal } from "./lifecycle";
import { OutputBatcher } from "./output-batcher";
import type { ClaimedTask, LeaseStatus } from "./queue";
import { releaseTask } from "./queue";
import { transitionTask, type TransitionInput } from "./transitions";

/** What the engine injects, so it never imports adapters, config or skills itself. */
export interface EngineDeps {
  resolveAgent: (agentType: string) => AgentAdapter | undefined;
  loadSettings: (db: Database, agentType: string) => Promise<AgentSettings>;
  loadSkills: (db: Database, names: string[]) => Promise<SkillForAgent[]>;
  /** The folder the agent works in; created if missing. */
  workspaceFor: (task: Execution) => Promise<string>;
  /** After the agent stopped, before the outcome is recorded (e.g. note where its changes ended). */
  afterRun?: (task: Execution) => Promise<void>;
  /**
   * Whether a task must be prepared before its agent starts (a workspace to set up, skills to
   * load). A task that needs none is claimed straight to RUNNING (both state events logged in the
   * claim transaction); its settings and plain folder are then loaded while RUNNING, and a failure
   * there still ends it FAILED planning_failed. Absent: every task is planned (PLANNING until prepared).
   */
  needsPlanning?: (task: Execution) => boolean;
}

export interface RunEnvironment {
  db: Database;
  nodeId: string;
  batchMs: number;
  waitTimeoutMs: number;
  abortGraceMs: number;
  deps: EngineDeps;
  /** Told when the run starts or stops waiting for a person (its worker slot frees or is taken again). */
  onWaitingChange?: () => void;
}

/**
 * How long a run keeps retrying a write through a database outage. Its lease is kept meanwhile
 * (sweepers give reconnecting nodes a grace period), so this only bounds a hopeless wait.
 */
const WRITE_RETRY_MS = 10 * 60_000;

/** Why a run was aborted; decides what (if anything) the worker records afterwards. */
export type AbortReason = "cancelled" | "timeout" | "stopping" | "lost" | "ended_elsewhere";

class RunAborted extends Error {
  constructor(readonly reason: AbortReason) {
    super(`Task run aborted: ${reason}`);
    this.name = "AbortError";
  }
}

interface Waiter {
  waitSeq: number;
  resolve: (answer: HumanAnswer) => void;
  reject: (error: Error) => void;
}

/** One claimed task on this node: planning, the agent run, waits, and the final state. */
export class TaskRun {
  readonly id: string;
  readonly attempt: number;
  private readonly controller = new AbortController();
  private reason: AbortReason | undefined;
  private waiter: Waiter | undefined;
  private batcher: OutputBatcher;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private replay: HumanAnswer[] = [];
  private asked = 0;
  private adapter: AgentAdapter | undefined;

  constructor(
    private readonly env: RunEnvironment,
    private readonly claim: ClaimedTask,
  ) {
    this.id = claim.id;
    this.attempt = claim.attempt;
    this.batcher = new OutputBatcher(env.db, claim.id, claim.attempt, env.batchMs, () => this.abort("lost"));
  }

  /** A database write or read of this run, retried through transient failures until the claim is known lost. */
  private write<T>(work: () => Promise<T>): Promise<T> {
    return retryTransient(work, {
      giveUpAfterMs: WRITE_RETRY_MS,
      stop: () => this.reason === "lost" || this.reason === "ended_elsewhere",
      onRetry: (error, attempt) => attempt === 1 && log.warn({ err: error, taskId: this.id }, "database unavailable; retrying the task's write"),
    });
  }

  get aborted(): AbortReason | undefined {
    return this.reason;
  }

  /** Waiting for a person's answer: the run holds no worker slot meanwhile (see createEngine). */
  get waiting(): boolean {
    return this.waiter !== undefined;
  }

  abort(reason: AbortReason): void {
    if (this.reason) return;
    this.reason = reason;
    this.controller.abort(new RunAborted(reason));
    this.waiter?.reject(new RunAborted(reason));
    this.setWaiter(undefined);
  }

  private setWaiter(waiter: Waiter | undefined): void {
    const was = this.waiter !== undefined;
    this.waiter = waiter;
    if (was !== (waiter !== undefined)) this.env.onWaitingChange?.();
  }

  /** React to the task row as the heartbeat or a NOTIFY saw it (undefined: the lease is gone). */
  observe(status: Pick<LeaseStatus, "attempt" | "state" | "cancelRequestedAt"> | undefined): void {
    if (!status || status.attempt !== this.attempt) return this.abort("lost");
    if (isTerminal(status.state)) return this.abort("ended_elsewhere");
    if (status.cancelRequestedAt) return this.abort("cancelled");
    if (this.waiter && status.state === "RUNNING") this.checkAnswerLater();
  }

  /** Re-read the row (after a control NOTIFY) and react. */
  async refresh(): Promise<void> {
    const [row] = await this.env.db
      .select({ attempt: executions.attempt, state: executions.state, cancelRequestedAt: executions.cancelRequestedAt })
      .from(executions)
      .where(eq(executions.id, this.id));
    this.observe(row);
  }

  async execute(): Promise<void> {
    try {
      await this.executeInner();
    } catch (error) {
      log.error({ err: error, taskId: this.id, attempt: this.attempt }, "task run crashed");
      await this.finish({ to: "FAILED", set: { error: "The engine failed while running this task", errorCode: "engine_error" } }).catch(() => {});
    } finally {
      if (this.timeoutTimer) clearTimeout(this.timeoutTimer);
    }
  }

  private async executeInner(): Promise<void> {
    const task = this.claim.task;
    this.adapter = this.env.deps.resolveAgent(task.agentType);
    if (!this.adapter) {
      await this.finish({ to: "FAILED", set: { error: `No agent "${task.agentType}" is available on node ${this.env.nodeId}`, errorCode: "agent_unavailable" } });
      return;
    }
    this.startTimeout(task);

    let prepared: { config: AgentSettings; skills: SkillForAgent[]; workspace: string };
    try {
      const [config, skills, workspace] = await this.write(() =>
        Promise.all([this.env.deps.loadSettings(this.env.db, task.agentType), this.env.deps.loadSkills(this.env.db, task.skills), this.env.deps.workspaceFor(task)]),
      );
      prepared = { config, skills, workspace };
    } catch (error) {
      await this.finish({ to: "FAILED", set: { error: `Could not prepare the task: ${messageOf(error)}`, errorCode: "planning_failed" } });
      return;
    }
    if (this.reason) return this.settleAborted();
    if (task.state === "PLANNING") {
      // A cancel requested during planning must win even if its NOTIFY has not arrived yet.
      const moved = await this.write(() =>
        transitionTask(this.env.db, {
          taskId: this.id,
          attempt: this.attempt,
          to: "RUNNING",
          from: ["PLANNING"],
          when: isNull(executions.cancelRequestedAt),
          data: { node: this.env.nodeId, workspace: prepared.workspace },
          audit: { eventType: "agent.executed", details: { agent_type: task.agentType, task_id: task.id, node: this.env.nodeId } },
        }),
      );
      if (!moved) {
        await this.refresh();
        return this.settleAborted(this.reason ?? "lost");
      }
    }
    if (this.claim.resumed) this.replay = await this.write(() => answeredQuestions(this.env.db, this.id));

    const run = this.adapter.run({
      task: { id: task.id, attempt: this.attempt, userId: task.userId, projectId: task.projectId, agentType: task.agentType },
      prompt: task.prompt,
      context: task.context,
      workspace: prepared.workspace,
      skills: prepared.skills,
      signal: this.controller.signal,
      emit: (event) => this.batcher.push(event),
      askHuman: (question) => this.askHuman(question),
      config: prepared.config,
    });
    const outcome = await this.settle(run);
    await this.env.deps.afterRun?.(task).catch((error: unknown) => log.warn({ err: error, taskId: this.id }, "after-run step failed"));
    if (this.reason) return this.settleAborted();
    if (outcome.ok) {
      const result = { output: outcome.value.output, ...(outcome.value.data ? { data: outcome.value.data } : {}) };
      await this.finish({ to: "COMPLETED", from: ["RUNNING"], set: { result }, events: [{ type: "result", data: result }] });
    } else {
      const message = messageOf(outcome.error);
      await this.finish({ to: "FAILED", set: { error: message, errorCode: "agent_error" }, events: [{ type: "error", data: { message } }] });
    }
  }

  /** Wait for the agent; after an abort give it abortGraceMs to return before moving on without it. */
  private async settle(run: Promise<AgentRunResult>): Promise<{ ok: true; value: AgentRunResult } | { ok: false; error: unknown }> {
    const outcome = run.then(
      (value) => ({ ok: true as const, value }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const grace = new Promise<{ ok: false; error: unknown }>((resolve) => {
      const onAbort = () => {
        const timer = setTimeout(() => resolve({ ok: false, error: new Error("agent did not stop after abort") }), this.env.abortGraceMs);
        void outcome.finally(() => clearTimeout(timer));
      };
      if (this.controller.signal.aborted) onAbort();
      else this.controller.signal.addEventListener("abort", onAbort, { once: true });
    });
    return Promise.race([outcome, grace]);
  }

  private async settleAborted(reason = this.reason): Promise<void> {
    if (reason === "cancelled") {
      await this.finish({ to: "CANCELLED", data: { reason: "cancel requested", node: this.env.nodeId } });
    } else if (reason === "timeout") {
      await this.finish({ to: "FAILED", set: { error: "The task ran longer than its time limit", errorCode: "timeout" }, data: { reason: "timeout" } });
    } else if (reason === "stopping") {
      await this.batcher.close();
      if (this.adapter?.resumable) await this.write(() => releaseTask(this.env.db, { id: this.id, attempt: this.attempt }));
      else await this.finish({ to: "FAILED", set: { error: `Node ${this.env.nodeId} shut down while the task ran; it was not replayed`, errorCode: "node_stopped" }, data: { reason: "node_stopped" } });
    } else {
      // lost / ended_elsewhere: someone else owns the outcome; this worker writes nothing more.
      this.batcher.discard();
    }
  }

  private async finish(input: Omit<TransitionInput, "taskId" | "attempt">): Promise<void> {
    // The output still pending goes in the same transaction as the final state, at once (no batching window).
    const output = await this.batcher.drain();
    const events = [...(output ?? []), ...(input.events ?? [])];
    const done = await this.write(() => transitionTask(this.env.db, { ...input, events, taskId: this.id, attempt: this.attempt, data: { node: this.env.nodeId, ...input.data } }));
    if (!done) log.info({ taskId: this.id, attempt: this.attempt, to: input.to }, "task outcome not recorded: the claim was lost or the task already ended");
  }

  private startTimeout(task: Execution): void {
    if (!task.timeoutMs) return;
    const started = task.startedAt?.getTime() ?? Date.now();
    const remaining = Math.max(0, started + task.timeoutMs - Date.now());
    this.timeoutTimer = setTimeout(() => this.abort("timeout"), remaining);
  }

  private async askHuman(question: HumanQuestion): Promise<HumanAnswer> {
    if (this.reason) throw new RunAborted(this.reason);
    const index = this.asked++;
    // A resumed run replays its earlier questions: the answers are already in the log.
    if (index < this.replay.length) return this.replay[index];
    if (!(await this.batcher.flush())) throw new RunAborted("lost");
    const moved = await this.write(() =>
      transitionTask(this.env.db, {
        taskId: this.id,
        attempt: this.attempt,
        to: "WAITING",
        from: ["RUNNING"],
        set: { waitExpiresAt: new Date(Date.now() + this.env.waitTimeoutMs) },
        events: [{ type: "wait", data: { kind: question.kind, prompt: question.prompt, ...(question.tool ? { tool: question.tool } : {}), ...(question.options ? { options: question.options } : {}) } }],
      }),
    );
    if (!moved) {
      await this.refresh();
      throw new RunAborted(this.reason ?? "lost");
    }
    const waitSeq = moved.task.eventsCount - 1;
    return new Promise<HumanAnswer>((resolve, reject) => {
      this.setWaiter({ waitSeq, resolve, reject });
      if (this.reason) this.abort(this.reason);
      else this.checkAnswerLater();
    });
  }

  /** The next heartbeat or control notice checks again if this read fails. */
  private checkAnswerLater(): void {
    this.checkAnswer().catch((error: unknown) => log.warn({ err: error, taskId: this.id }, "could not read the answer yet"));
  }

  private async checkAnswer(): Promise<void> {
    const waiter = this.waiter;
    if (!waiter) return;
    const [input] = await this.env.db
      .select()
      .from(executionEvents)
      .where(and(eq(executionEvents.executionId, this.id), gt(executionEvents.seq, waiter.waitSeq), eq(executionEvents.type, "input")))
      .limit(1);
    if (!input || this.waiter !== waiter) return;
    this.setWaiter(undefined);
    waiter.resolve(answerFrom(input.data));
  }
}

function answerFrom(data: Record<string, unknown>): HumanAnswer {
  return {
    ...(typeof data.approved === "boolean" ? { approved: data.approved } : {}),
    ...(typeof data.text === "string" ? { text: data.text } : {}),
    answeredBy: String(data.answered_by ?? "unknown"),
  };
}

/** The answers already given in this task's log, in the order the questions were asked. */
async function answeredQuestions(db: Database, taskId: string): Promise<HumanAnswer[]> {
  const answers: HumanAnswer[] = [];
  let after = 0;
  for (;;) {
    const page = await readEvents(db, taskId, { after, types: ["input"], limit: 500 });
    for (const event of page) answers.push(answerFrom(event.data));
    if (page.length < 500) return answers;
    after = page.at(-1)!.seq;
  }
}

function messageOf(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 4000) || "The agent failed without a message";
}

