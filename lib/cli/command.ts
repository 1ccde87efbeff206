import type { Command } from "commander";
import { EXIT, type ExitCode } from "./exit-codes";
import { createOutput, type Output } from "./output";
import { createPrompter, type Prompter } from "./prompt";

/** What every command action gets: where to write, how to ask, and its own options. */
export interface ActionContext<O> {
  out: Output;
  options: O;
  prompter: () => Prompter;
}

/** The exit code of the action that ran (commander only awaits it). */
export const outcome: { exitCode: ExitCode } = { exitCode: EXIT.ok };

let prompter: Prompter | undefined;
export const closePrompter = () => prompter?.close();

/**
 * Wraps a command's action: `--json` (global, accepted before or after the command) picks the
 * output mode; the action returns its exit code (default 0) or throws a CliError.
 */
export function action<O, A extends (string | undefined)[] = string[]>(run: (ctx: ActionContext<O>, ...args: A) => Promise<ExitCode | void>) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const options = command.optsWithGlobals() as O & { json?: boolean };
    const args = received.slice(0, command.registeredArguments.length) as A;
    const out = createOutput(Boolean(options.json));
    const code = await run({ out, options, prompter: () => (prompter ??= createPrompter()) }, ...args);
    outcome.exitCode = code ?? EXIT.ok;
  };
}

/** Registers one command (or a group) on the program; one module per command. */
export type CommandModule = (program: Command) => void;
