import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { checkId } from "../task-input";

export function registerPr(program: Command): void {
  program
    .command("pr")
    .description("Commit a finished task's changes, push its branch and open a GitHub pull request")
    .argument("<task>", "the task id")
    .option("-t, --title <title>", "the pull request's title (default: the prompt's first line)")
    .option("-b, --body <text>", "the pull request's description")
    .option("-m, --message <text>", "the commit message for uncommitted changes (default: the title)")
    .action(
      action<{ title?: string; body?: string; message?: string }, [string]>(async ({ out, options }, task) => {
        const id = checkId(task);
        const conn = connect();
        out.note("Committing, pushing and opening the pull request…");
        const pr = await call(
          conn.api.POST("/api/runtime/tasks/{id}/pull-request", {
            params: { path: { id } },
            body: { ...(options.title ? { title: options.title } : {}), ...(options.body ? { body: options.body } : {}), ...(options.message ? { commit_message: options.message } : {}) },
          }),
        );
        out.result(pr, () => out.line(`Opened pull request #${pr.number}: ${pr.url} (${pr.head} → ${pr.base})`));
      }),
    );
}
