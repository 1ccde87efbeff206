import { styleText } from "node:util";
import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { checkId } from "../task-input";

/** Colour a unified diff for a terminal: additions green, removals red, hunks cyan. */
export function colourDiff(diff: string, colour: boolean): string {
  if (!colour) return diff;
  return diff
    .split("\n")
    .map((line) => {
      if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("diff --git")) return styleText("bold", line);
      if (line.startsWith("+")) return styleText("green", line);
      if (line.startsWith("-")) return styleText("red", line);
      if (line.startsWith("@@")) return styleText("cyan", line);
      return line;
    })
    .join("\n");
}

export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description("What a task changed: files, line counts, its commits and the unified diff")
    .argument("<task>", "the task id")
    .option("--stat", "only the file list and counts")
    .action(
      action<{ stat?: boolean }, [string]>(async ({ out, options }, task) => {
        const id = checkId(task);
        const conn = connect();
        const changes = await call(conn.api.GET("/api/runtime/tasks/{id}/changes", { params: { path: { id } } }));
        out.result(changes, () => {
          if (!changes.workspace) return out.line("This task has no workspace (it never started).");
          const ws = changes.workspace;
          out.line(`${ws.kind === "worktree" ? `branch ${ws.branch} from ${ws.base_branch}` : `${ws.kind} workspace`}${changes.live ? " (running: as it is now)" : ""}`);
          if (ws.removed_at) out.line(`workspace removed ${ws.removed_at} (${ws.removal_reason ?? "retention"})`);
          if (changes.pull_request) out.line(`pull request #${changes.pull_request.number} (${changes.pull_request.state}): ${changes.pull_request.url}`);
          if (changes.files.length === 0) return out.line("No changes.");
          out.table(
            ["status", "file", "+", "-"],
            changes.files.map((f) => [f.status, f.old_path ? `${f.old_path} → ${f.path}` : f.path, f.binary ? "bin" : f.additions, f.binary ? "" : f.deletions]),
          );
          out.line(`${changes.stats.files} file(s), +${changes.stats.additions} -${changes.stats.deletions}`);
          for (const c of changes.commits) out.line(`commit ${c.sha.slice(0, 10)} ${c.message} (${c.author_name})`);
          if (options.stat) return;
          out.line();
          out.line(colourDiff(changes.diff.replace(/\n$/, ""), Boolean(process.stdout.isTTY)));
          if (changes.diff_truncated) out.note("The diff was cut at 2 MiB; the file list above is complete.");
        });
      }),
    );
}
