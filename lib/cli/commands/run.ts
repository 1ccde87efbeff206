import type { Command } from "commander";
import { action } from "../command";
import { connect } from "../client";
import { runLocal } from "../local/run-local";
import { addNewTaskOptions, readNewTask, submitNewTask, type NewTaskOptions } from "../new-task";
import { finishStarted } from "../outcome";

interface RunOptions extends NewTaskOptions {
  json?: boolean;
  local?: boolean;
  as?: string;
  input?: boolean;
}

export function registerRun(program: Command): void {
  const command = program.command("run").description("Run a task and follow it to the end. --local: in this process on the node's own database, no server needed");
  addNewTaskOptions(command)
    .option("--local", "drive the runtime in-process on DATA_DIR's embedded database (or DATABASE_URL) instead of a node's API")
    .option("--as <email>", "with --local: act as this account (default: the only administrator)")
    .option("--no-input", "never ask the task's questions here")
    .action(
      action<RunOptions, [string, string]>(async (ctx, agentType, prompt) => {
        const { options, out } = ctx;
        const task = await readNewTask(agentType, prompt, options);
        if (options.local) return runLocal({ ...task, as: options.as, interactive: options.input !== false }, out, ctx.prompter());
        const conn = connect();
        return finishStarted({ ...ctx, options: { ...options, follow: true } }, conn, await submitNewTask(conn, task), "Submitted");
      }),
    );
}
