import ora, { type Ora } from "ora";
import { isTerminalState, type TaskEvent, type TaskState } from "./api/types";
import { answerBody, type AnswerBody } from "./answers";
import type { Output } from "./output";
import type { Prompter } from "./prompt";
import type { TaskSource } from "./task-source";

export interface WatchOptions {
  after?: number;
  /** Ask WAITING questions at the terminal (off in --json mode and with --no-input). */
  interactive: boolean;
  prompter: Prompter;
}

/**
 * Follow a task to its end: output on stdout, lifecycle and tool activity on stderr (a spinner on
 * a terminal), questions asked at the terminal and answered. In --json mode each event is one
 * JSON line on stdout. Resolves to the final state.
 */
export async function watchTask(source: TaskSource, out: Output, options: WatchOptions): Promise<TaskState> {
  const view = out.json ? null : new TaskView(out);
  let question: { seq: number; abort: AbortController } | null = null;
  const withdraw = () => {
    question?.abort.abort();
    question = null;
  };
  try {
    for await (const event of source.events(options.after)) {
      if (out.json) out.line(JSON.stringify({ task_id: source.taskId, ...event }));
      else view!.show(event);
      if (event.type === "input" || (event.type === "state" && event.state !== "WAITING")) withdraw();
      if (event.type === "wait" && options.interactive && !out.json) {
        withdraw();
        const abort = new AbortController();
        question = { seq: event.seq, abort };
        void askAndAnswer(source, view!, options.prompter, event, abort.signal);
      }
    }
  } finally {
    withdraw();
    view?.stop();
  }
  const final = await source.state();
  view?.finish(final);
  return final;
}

/** Ask only if this wait is still the task's open question (a replayed, answered one is not). */
async function askAndAnswer(source: TaskSource, view: TaskView, prompter: Prompter, event: TaskEvent, signal: AbortSignal): Promise<void> {
  try {
    const task = await source.task();
    if (signal.aborted || task.pending_question?.seq !== event.seq) return;
    const asked = task.pending_question;
    view.pause();
    let body: AnswerBody | null = null;
    if (asked.kind === "approval") {
      const approved = await prompter.approve(`Approve${asked.tool ? ` ${asked.tool.name}` : ""}?`, { signal });
      if (approved !== null) body = answerBody({ approve: approved });
    } else {
      const text = await prompter.text("Your answer:", { signal, choices: asked.options });
      if (text !== null) body = answerBody({ text });
    }
    view.resume();
    if (signal.aborted) return;
    if (!body) {
      view.note(`No answer given here; answer later with: clawlink answer ${source.taskId} <text> | --approve | --deny`);
      return;
    }
    await source.answer(body).catch((error: Error) => view.note(`Your answer was not taken: ${error.message}`));
  } catch (error) {
    view.resume();
    view.note(`Could not answer: ${(error as Error).message}`);
  }
}

/** How a task looks to a person while it runs. */
class TaskView {
  private spinner: Ora | null;
  private state = "PENDING";
  private startedAt = Date.now();
  private partial = "";
  private ticker: NodeJS.Timeout | null = null;
  private paused = false;

  constructor(private readonly out: Output) {
    // A terminal that reports no size (columns 0) would make the spinner's redraw maths explode.
    this.spinner = process.stderr.isTTY && (process.stderr.columns ?? 0) > 0 ? ora({ stream: process.stderr, text: this.label() }).start() : null;
    if (this.spinner) this.ticker = setInterval(() => this.spinner && (this.spinner.text = this.label()), 1000);
  }

  show(event: TaskEvent): void {
    const data = event.data as Record<string, unknown>;
    switch (event.type) {
      case "state":
        this.state = event.state ?? this.state;
        if (!this.spinner) this.note(`● ${this.state}`);
        else this.spinner.text = this.label();
        break;
      case "output":
      case "message":
        this.write(String(data.text ?? ""));
        break;
      case "tool_call":
        this.note(`⚙ ${String(data.name ?? "tool")} ${brief(data.input)}`);
        break;
      case "tool_result":
        this.note(`  ↳ ${data.isError ? "error: " : ""}${brief(data.output)}`);
        break;
      case "progress":
        this.note(`… ${String(data.message ?? "")}${typeof data.percent === "number" ? ` (${data.percent}%)` : ""}`);
        break;
      case "wait":
        this.note(`? ${data.kind === "approval" ? "Approval needed" : "Question"}: ${String(data.prompt ?? "")}${data.tool ? `\n  tool: ${brief(data.tool)}` : ""}`);
        break;
      case "input":
        this.note(`✓ answered${typeof data.answered_by === "string" ? ` by ${data.answered_by}` : ""}`);
        break;
      case "error":
        this.note(`✗ ${String(data.message ?? "error")}`);
        break;
      default:
        break;
    }
  }

  /** Whole lines only while a spinner shares the terminal, so it never erases half a line. */
  private write(text: string): void {
    const all = this.partial + text;
    const cut = all.lastIndexOf("\n");
    this.partial = cut < 0 ? all : all.slice(cut + 1);
    if (cut >= 0) this.around(() => this.out.line(all.slice(0, cut)));
  }

  note(text: string): void {
    this.around(() => process.stderr.write(`${text}\n`));
  }

  private around(print: () => void): void {
    if (this.spinner?.isSpinning) {
      this.spinner.clear();
      print();
      this.spinner.render();
    } else print();
  }

  pause(): void {
    this.paused = true;
    this.spinner?.stop();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.spinner && !isTerminalState(this.state)) this.spinner.start(this.label());
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.spinner?.stop();
    if (this.partial) this.out.line(this.partial);
    this.partial = "";
  }

  finish(final: TaskState): void {
    const took = final.execution_time === null ? "" : ` in ${final.execution_time.toFixed(1)}s`;
    const result = resultText(final.result);
    if (final.state === "COMPLETED") process.stderr.write(`✔ COMPLETED${took}\n${result ? `${result}\n` : ""}`);
    else if (final.state === "CANCELLED") process.stderr.write(`■ CANCELLED${took}\n`);
    else process.stderr.write(`✖ ${final.state}${took}${final.error ? `: ${final.error}` : ""}${final.error_code ? ` (${final.error_code})` : ""}\n`);
  }

  private label(): string {
    const seconds = Math.max(0, Math.round((Date.now() - this.startedAt) / 1000));
    return `${this.state}  ${seconds}s`;
  }
}

function brief(value: unknown): string {
  if (value === undefined || value === null) return "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** The result's text: agents return `{output, data}`. */
export function resultText(result: unknown): string {
  if (result === null || result === undefined) return "";
  if (typeof result === "object" && typeof (result as { output?: unknown }).output === "string") return (result as { output: string }).output;
  return typeof result === "string" ? result : JSON.stringify(result);
}
