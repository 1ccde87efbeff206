import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { checkId } from "../task-input";
import { resultText } from "../watch";

export function registerState(program: Command): void {
  program
    .command("state")
    .description("A task's lifecycle state, result or error, and timings")
    .argument("<task>", "the task id")
    .action(
      action<object, [string]>(async ({ out }, task) => {
        const id = checkId(task);
        const conn = connect();
        const state = await call(conn.api.GET("/api/runtime/tasks/{id}/state", { params: { path: { id } } }));
        out.result(state, () => {
          out.line(`${state.state}${state.error ? `: ${state.error}` : ""}`);
          const rows: [string, string][] = [
            ["task", state.task_id],
            ["created", state.created_at],
            ["started", state.started_at ?? "—"],
            ["finished", state.finished_at ?? "—"],
            ["time", state.execution_time === null ? "—" : `${state.execution_time.toFixed(1)}s`],
            ["events", String(state.events_count)],
          ];
          if (state.error_code) rows.push(["error code", state.error_code]);
          for (const [name, value] of rows) out.line(`  ${name.padEnd(11)}${value}`);
          const result = resultText(state.result);
          if (result) out.line(`\n${result}`);
        });
      }),
    );
}
