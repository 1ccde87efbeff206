import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { addWaitOptions, finishStarted, type WaitOptions } from "../outcome";
import { checkId } from "../task-input";

export function registerRetry(program: Command): void {
  const command = program
    .command("retry")
    .description("Run a finished task again, as a new task (prints the new id)")
    .argument("<task>", "the task id");
  addWaitOptions(command).action(
    action<WaitOptions & { json?: boolean }, [string]>(async (ctx, task) => {
      const id = checkId(task);
      const conn = connect();
      const started = await call(conn.api.POST("/api/runtime/tasks/{id}/retry", { params: { path: { id } }, body: {} }));
      return finishStarted(ctx, conn, started, "Retrying as");
    }),
  );
}
