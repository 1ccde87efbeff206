import { createInterface, type Interface } from "node:readline";
import { confirm, input, password, select } from "@inquirer/prompts";

/**
 * Questions at the terminal. On a TTY: Inquirer prompts (hidden input for secrets), drawn on
 * stderr so stdout stays the command's output. Otherwise one line of stdin per question, so a
 * script can pipe answers in. Every prompt can be withdrawn (AbortSignal) when the question
 * goes away, e.g. someone answered it in the portal. `null` means no answer (stdin ended, aborted).
 */
export interface Prompter {
  text(message: string, options?: { signal?: AbortSignal; choices?: string[] }): Promise<string | null>;
  secret(message: string, options?: { signal?: AbortSignal }): Promise<string | null>;
  approve(message: string, options?: { signal?: AbortSignal }): Promise<boolean | null>;
  close(): void;
}

export function createPrompter(stdin: NodeJS.ReadStream = process.stdin, stderr: NodeJS.WriteStream = process.stderr): Prompter {
  return stdin.isTTY ? terminalPrompter(stdin, stderr) : linePrompter(stdin, stderr);
}

const aborted = (error: unknown) => {
  const name = (error as Error)?.name;
  if (name === "AbortPromptError" || name === "ExitPromptError" || name === "AbortError") return null;
  throw error;
};

function terminalPrompter(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Prompter {
  const context = (signal?: AbortSignal) => ({ input: stdin, output: stderr, ...(signal ? { signal } : {}) });
  return {
    text: (message, { signal, choices } = {}) =>
      (choices?.length
        ? select({ message, choices: choices.map((value) => ({ value, name: value })) }, context(signal))
        : input({ message, required: true }, context(signal))
      ).catch(aborted),
    secret: (message, { signal } = {}) => password({ message, mask: true }, context(signal)).catch(aborted),
    approve: (message, { signal } = {}) => confirm({ message, default: false }, context(signal)).catch(aborted),
    close: () => {},
  };
}

function linePrompter(stdin: NodeJS.ReadStream, stderr: NodeJS.WriteStream): Prompter {
  let lines: Interface | undefined;
  const waiting: ((line: string | null) => void)[] = [];
  const buffered: string[] = [];
  let ended = false;
  const open = () => {
    if (lines) return;
    lines = createInterface({ input: stdin, terminal: false });
    lines.on("line", (line) => {
      const next = waiting.shift();
      if (next) next(line);
      else buffered.push(line);
    });
    lines.on("close", () => {
      ended = true;
      for (const next of waiting.splice(0)) next(null);
    });
  };
  const echoed = (line: string | null) => {
    stderr.write(line === null ? "(no answer on stdin)\n" : "\n");
    return line;
  };
  const nextLine = (message: string, signal?: AbortSignal) => {
    open();
    stderr.write(`${message} `);
    // The piped answer is not echoed: end the prompt's line ourselves.
    if (buffered.length) return Promise.resolve(echoed(buffered.shift()!));
    if (ended) return Promise.resolve(echoed(null));
    return new Promise<string | null>((resolve) => {
      const done = (line: string | null) => {
        signal?.removeEventListener("abort", onAbort);
        resolve(echoed(line));
      };
      const onAbort = () => {
        const at = waiting.indexOf(done);
        if (at >= 0) waiting.splice(at, 1);
        stderr.write("\n");
        resolve(null);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      waiting.push(done);
    });
  };
  return {
    text: async (message, { signal, choices } = {}) => {
      const line = await nextLine(choices?.length ? `${message} [${choices.join("/")}]` : message, signal);
      return line === null ? null : line.trim();
    },
    secret: async (message, { signal } = {}) => {
      const line = await nextLine(message, signal);
      return line === null ? null : line.trim();
    },
    approve: async (message, { signal } = {}) => {
      for (;;) {
        const line = await nextLine(`${message} [y/n]`, signal);
        if (line === null) return null;
        const word = line.trim().toLowerCase();
        if (["y", "yes", "approve", "approved"].includes(word)) return true;
        if (["n", "no", "deny", "denied"].includes(word)) return false;
        stderr.write("Please answer yes or no.\n");
      }
    },
    close: () => lines?.close(),
  };
}
