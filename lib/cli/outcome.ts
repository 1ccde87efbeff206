import type { Command } from "commander";
import type { Connection } from "./client";
import { exitCodeForState, usageError, type ExitCode } from "./exit-codes";
import type { Task } from "./api/types";
import type { ActionContext } from "./command";
import { remoteTask } from "./task-source";
import { resultText, watchTask } from "./watch";

export interface WaitOptions {
  wait?: boolean;
  follow?: boolean;
  input?: boolean;
}

/** `--wait | --follow` for commands that start a task (submit, retry). */
export function addWaitOptions(command: Command): Command {
  return command
    .option("--wait", "wait for the task to finish, then print its final state (exit code from it)")
    .option("--follow", "show the task live until it ends, answering its questions at the terminal")
    .option("--no-input", "with --follow: never ask questions here (answer with `clawlink answer`)");
}

/** After a task is started: print it, or wait / follow it and exit with its outcome. */
export async function finishStarted(ctx: ActionContext<WaitOptions & { json?: boolean }>, conn: Connection, task: Task, verb: string): Promise<ExitCode> {
  const { out, options } = ctx;
  if (options.wait && options.follow) throw usageError("Choose --wait or --follow, not both");
  const source = remoteTask(conn, task.task_id);
  if (options.follow) {
    out.note(`${verb} ${task.task_id} (${task.agent_type})`);
    const final = await watchTask(source, out, { interactive: options.input !== false, prompter: ctx.prompter() });
    return exitCodeForState(final.state);
  }
  if (options.wait) {
    out.note(`${verb} ${task.task_id}; waiting for it to finish…`);
    for await (const event of source.events()) {
      if (event.type === "wait") out.note(`The task is waiting for an answer: clawlink answer ${task.task_id} <text> | --approve | --deny`);
    }
    const final = await source.state();
    out.result(final, () => {
      out.line(`${final.state}${final.error ? `: ${final.error}` : ""}`);
      if (final.state === "COMPLETED" && resultText(final.result)) out.line(resultText(final.result));
    });
    return exitCodeForState(final.state);
  }
  out.result(task, () => {
    out.line(task.task_id);
    out.note(`${verb} to ${task.agent_type} (${task.state}). Follow it: clawlink watch ${task.task_id}`);
  });
  return 0;
}
