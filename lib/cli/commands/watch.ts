import { Option, type Command } from "commander";
import { action } from "../command";
import { connect } from "../client";
import { exitCodeForState } from "../exit-codes";
import { checkId } from "../task-input";
import { remoteTask } from "../task-source";
import { watchTask } from "../watch";

export function registerWatch(program: Command): void {
  program
    .command("watch")
    .description("Follow a task live (output, lifecycle, a spinner); answers its questions at the terminal; exit code from its outcome")
    .argument("<task>", "the task id")
    .addOption(new Option("--after <seq>", "start after this event (default: replay from the start)").argParser((v) => Number.parseInt(v, 10)))
    .option("--no-input", "never ask questions here (answer with `clawlink answer`)")
    .action(
      action<{ after?: number; input?: boolean }, [string]>(async ({ out, options, prompter }, task) => {
        const id = checkId(task);
        const final = await watchTask(remoteTask(connect(), id), out, { after: options.after, interactive: options.input !== false, prompter: prompter() });
        return exitCodeForState(final.state);
      }),
    );
}
