import { describe, expect, it } from "vitest";
import { childEnv, exitError, spawnAgentProcess } from "./process";

const node = process.execPath;

function run(script: string, opts: { onLine?: (line: string) => void; idleTimeoutMs?: number; signal?: AbortSignal } = {}) {
  const lines: string[] = [];
  const child = spawnAgentProcess({
    bin: node,
    args: ["-e", script],
    cwd: process.cwd(),
    env: { EXTRA: "yes", EMPTY: "" },
    signal: opts.signal ?? new AbortController().signal,
    idleTimeoutMs: opts.idleTimeoutMs,
    killGraceMs: 500,
    onLine: opts.onLine ?? ((l) => lines.push(l)),
  });
  return { child, lines };
}

describe("agent process helper", () => {
  it("passes only PATH, HOME and the adapter's variables", () => {
    process.env.CLAWLINK_UNIT_SECRET = "x";
    try {
      const env = childEnv({ A: "1", B: undefined, C: "" });
      expect(Object.keys(env).sort()).toEqual(["A", ...(process.env.HOME ? ["HOME"] : []), "PATH"].sort());
    } finally {
      delete process.env.CLAWLINK_UNIT_SECRET;
    }
  });

  it("splits stdout into lines across chunk boundaries and CRLF, keeping a bounded stderr", async () => {
    const { child, lines } = run(
      `process.stdout.write('{"a":'); setTimeout(() => { process.stdout.write('1}\\r\\n\\nsecond'); console.error('oops'); console.log(process.env.EXTRA + ':' + (process.env.EMPTY ?? 'unset')); process.exit(3); }, 30);`,
    );
    const exit = await child.exited;
    expect(lines).toEqual(['{"a":1}', "secondyes:unset"]);
    expect(exit).toMatchObject({ reason: "exit", code: 3, stderr: "oops" });
    expect(exitError(exit, "tool", { bin: node }).message).toBe("tool failed with exit code 3: oops");
  });

  it("reports a parser failure as a protocol error and stops the process", async () => {
    const { child } = run("console.log('x'); setInterval(() => {}, 1000);", {
      onLine: () => {
        throw new Error("bad line");
      },
    });
    const exit = await child.exited;
    expect(exit.reason).toBe("parser_error");
    expect(exitError(exit, "tool", { bin: node })).toMatchObject({ code: "protocol_error", message: "Could not handle tool's output: [clawlink] bad line" });
  });

  it("reports a missing executable", async () => {
    const child = spawnAgentProcess({ bin: "no-such-agent-binary", args: [], cwd: process.cwd(), signal: new AbortController().signal, onLine: () => {} });
    const exit = await child.exited;
    expect(exit.reason).toBe("spawn_error");
    expect(exitError(exit, "agent", { bin: "no-such-agent-binary" }).message).toBe("agent not found (no-such-agent-binary); install it or set its path");
  });

  it("an aborted signal ends the run as cancelled", async () => {
    const controller = new AbortController();
    const { child } = run("setInterval(() => {}, 1000);", { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const exit = await child.exited;
    expect(exit.reason).toBe("aborted");
    expect(exitError(exit, "tool", { bin: node }).code).toBe("cancelled");
  });
});
