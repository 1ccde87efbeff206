import type { Command } from "commander";
import { action } from "../command";
import { connect } from "../client";
import { addNewTaskOptions, readNewTask, submitNewTask, type NewTaskOptions } from "../new-task";
import { addWaitOptions, finishStarted, type WaitOptions } from "../outcome";

export function registerSubmit(program: Command): void {
  const command = program.command("submit").description("Submit a task to an agent (prints its id; --wait or --follow to see it through)");
  addWaitOptions(addNewTaskOptions(command)).action(
    action<NewTaskOptions & WaitOptions & { json?: boolean }, [string, string]>(async (ctx, agentType, prompt) => {
      const task = await readNewTask(agentType, prompt, ctx.options);
      const conn = connect();
      return finishStarted(ctx, conn, await submitNewTask(conn, task), "Submitted");
    }),
  );
}
