import { Command, CommanderError } from "commander";
import { cliEnv } from "../env";
import { closePrompter, outcome } from "./command";
import { CliError, EXIT, type ExitCode } from "./exit-codes";
import { reportError } from "./output";
import { commands } from "./commands";

export function buildProgram(): Command {
  const program = new Command()
    .name("clawlink")
    .description("Drive a coderClawLink node from the terminal: submit tasks to coding agents, follow them live, answer them.")
    .version("0.2.0", "-V, --version")
    .option("--json", "print JSON for scripts (one document; NDJSON events while following)")
    .showSuggestionAfterError()
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .addHelpText(
      "after",
      `
Exit codes: 0 completed · 1 failed · 2 usage error · 3 cancelled · 4 not signed in or forbidden · 5 cannot reach the node
Environment: CLAWLINK_URL, CLAWLINK_TOKEN (override the saved login), CLAWLINK_CONFIG_DIR
Start with: clawlink login http://127.0.0.1:3000`,
    );
  for (const register of commands) register(program);
  return program;
}

/** Runs the command line and returns the exit code; never throws, never prints a stack. */
export async function main(argv: string[]): Promise<ExitCode> {
  const program = buildProgram();
  const json = argv.includes("--json");
  outcome.exitCode = EXIT.ok;
  try {
    await program.parseAsync(argv);
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
      reportError(new CliError(error.message.replace(/^error: /, ""), EXIT.usage, "usage"), json);
      if (!json) process.stderr.write("Run `clawlink --help` (or `clawlink <command> --help`) for usage.\n");
      return EXIT.usage;
    }
    const failure = error instanceof CliError ? error : unexpected(error);
    reportError(failure, json);
    return failure.exitCode;
  } finally {
    closePrompter();
  }
}

function unexpected(error: unknown): CliError {
  if (cliEnv().CLAWLINK_DEBUG) process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  return new CliError(`Unexpected error: ${(error as Error)?.message ?? String(error)}`, EXIT.failed, "internal");
}
