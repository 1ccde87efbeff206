import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { checkId } from "../task-input";

export function registerCancel(program: Command): void {
  program
    .command("cancel")
    .description("Cancel a task (a running agent is stopped)")
    .argument("<task>", "the task id")
    .action(
      action<object, [string]>(async ({ out }, task) => {
        const id = checkId(task);
        const conn = connect();
        const result = await call(conn.api.POST("/api/runtime/tasks/{id}/cancel", { params: { path: { id } } }));
        out.result(result, () =>
          out.line(result.state === "CANCELLED" ? "Cancelled." : result.cancel_requested ? `Cancel requested; the task is ${result.state} until its worker stops it.` : `The task had already ended (${result.state}).`),
        );
      }),
    );
}
