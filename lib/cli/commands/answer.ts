import type { Command } from "commander";
import { answerBody } from "../answers";
import { action } from "../command";
import { call, connect } from "../client";
import { usageError } from "../exit-codes";
import { checkId } from "../task-input";

export function registerAnswer(program: Command): void {
  program
    .command("answer")
    .description("Answer a WAITING task: a text answer to its question, or --approve / --deny for an approval")
    .argument("<task>", "the task id")
    .argument("[text]", "the answer (for --approve/--deny: an optional note)")
    .option("--approve", "approve what the agent asked to do")
    .option("--deny", "deny it")
    .action(
      action<{ approve?: boolean; deny?: boolean }, [string, string | undefined]>(async ({ out, options }, task, text) => {
        if (options.approve && options.deny) throw usageError("Choose --approve or --deny, not both");
        const decision = options.approve ? true : options.deny ? false : undefined;
        const body = answerBody({ text, approve: decision });
        const id = checkId(task);
        const conn = connect();
        const updated = await call(conn.api.POST("/api/runtime/tasks/{id}/input", { params: { path: { id } }, body }));
        out.result(updated, () => out.line(`Answered; the task is ${updated.state}.`));
      }),
    );
}
