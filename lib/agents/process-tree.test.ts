import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isAlive as alive } from "../../tests/fakes/run-agent";
import { descendantsOf, processesWithMarker, RUN_MARKER_ENV, signalAll } from "./process-tree";

describe("process tree", () => {
  it("finds a setsid grandchild by parent links and by the inherited marker, even after its parent exits", async () => {
    const marker = randomUUID();
    // The child starts a grandchild in a new session, prints its pid, and stays alive until told.
    const script = `const c = require("child_process").spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" }); console.log(c.pid); process.stdin.on("data", () => process.exit(0));`;
    const child = spawn(process.execPath, ["-e", script], { env: { ...process.env, [RUN_MARKER_ENV]: marker }, stdio: ["pipe", "pipe", "ignore"] });
    const grandchild = await new Promise<number>((resolve) => child.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))));
    expect(descendantsOf(child.pid!)).toContain(grandchild);
    expect(processesWithMarker(marker).sort()).toEqual([child.pid!, grandchild].sort());

    child.stdin.write("bye\n");
    await new Promise((r) => child.once("exit", r));
    // Reparented now: no longer below the child, but the marker still finds it.
    expect(processesWithMarker(marker)).toEqual([grandchild]);
    signalAll(processesWithMarker(marker), "SIGKILL");
    await expect.poll(() => alive(grandchild)).toBe(false);
    expect(processesWithMarker(marker)).toEqual([]);
  });
});
