import { Option, type Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { ago, truncate } from "../output";
import { resolveProject } from "../task-input";

interface TasksOptions {
  state?: string;
  agent?: string;
  project?: string;
  all?: boolean;
  limit: number;
  cursor?: string;
}

export function registerTasks(program: Command): void {
  program
    .command("tasks")
    .description("Your tasks, newest first (admins: --all for everyone's)")
    .option("--state <states>", "only these states, comma-separated (e.g. RUNNING,WAITING)")
    .option("--agent <agent_type>", "only this agent")
    .option("--project <key>", "only this project (key or id)")
    .option("--all", "everyone's tasks (needs the permission to see others')")
    .addOption(new Option("--limit <n>", "how many").default(20).argParser((v) => Number.parseInt(v, 10)))
    .option("--cursor <cursor>", "the next page (printed after a full page)")
    .action(
      action<TasksOptions>(async ({ out, options }) => {
        const conn = connect();
        const projectId = await resolveProject(conn, options.project);
        const page = await call(
          conn.api.GET("/api/runtime/tasks", {
            params: {
              query: {
                limit: options.limit,
                ...(options.state ? { state: options.state } : {}),
                ...(options.agent ? { agent_type: options.agent } : {}),
                ...(projectId ? { project_id: projectId } : {}),
                ...(options.all ? { all: "true" as const } : {}),
                ...(options.cursor ? { cursor: options.cursor } : {}),
              },
            },
          }),
        );
        out.result(page, () => {
          if (page.tasks.length === 0) return out.line("No tasks.");
          out.table(
            ["ID", "STATE", "AGENT", "CREATED", "PROMPT"],
            page.tasks.map((t) => [t.task_id, t.state, t.agent_type, ago(t.created_at), truncate(t.prompt, 48)]),
          );
          if (page.next_cursor) out.note(`More: clawlink tasks --cursor ${page.next_cursor}`);
        });
      }),
    );
}
