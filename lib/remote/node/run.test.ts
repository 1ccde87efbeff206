import { describe, expect, it } from "vitest";
import type { AgentAdapter, AgentRunInput } from "../../agents/types";
import type { AssignFrame, NodeTaskReport } from "../protocol";
import type { AgentHost } from "./host";
import { NodeRun } from "./run";

const assignment: AssignFrame = {
  type: "assign",
  execution_id: "00000000-0000-4000-8000-000000000001",
  attempt: 1,
  agent_type: "chatty",
  prompt: "talk",
  context: {},
  skills: [],
  timeout_ms: null,
  replay_answers: [],
};

/** An agent that writes `lines` outputs of `size` characters, then asks one question, then ends. */
function chattyHost(lines: number, size: number, release: Promise<void>, pauseBetween = false): AgentHost {
  const adapter: AgentAdapter = {
    type: "chatty",
    displayName: "Chatty",
    description: "test",
    backend: "test",
    probe: async () => ({ available: true }),
    async run(input: AgentRunInput) {
      for (let i = 0; i < lines; i++) {
        input.emit({ type: "output", text: `${i}:${"x".repeat(size)}` });
        if (pauseBetween) await flush();
      }
      await release;
      await input.askHuman({ kind: "question", prompt: "still there?" });
      return { output: "done" };
    },
  };
  return { adapter: () => adapter, settings: () => ({}), workspaceFor: async () => "/tmp", skillsFor: async () => [] } as unknown as AgentHost;
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe("a remote node run while the portal is away", () => {
  it("keeps at most its byte bound of unacknowledged reports, then says how many events it dropped", async () => {
    let go!: () => void;
    const released = new Promise<void>((r) => (go = r));
    const sent: NodeTaskReport[] = [];
    // The portal is away: frames are "sent" into the void and nothing is acknowledged.
    const run = new NodeRun(assignment, chattyHost(1000, 1000, released), { send: (f) => sent.push(f as NodeTaskReport), finished: () => {} }, 64 * 1024);
    void run.start();
    await flush();

    const kept = run.pending();
    const bytes = kept.reduce((n, f) => n + JSON.stringify(f).length, 0);
    expect(bytes).toBeLessThanOrEqual(64 * 1024);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept.length).toBeLessThan(1000);
    expect(kept.map((f) => f.seq)).toEqual(kept.map((_, i) => i + 1));

    // The portal comes back and acknowledges everything: the next report is preceded by the loss.
    run.acknowledge(kept.at(-1)!.seq);
    expect(run.pending()).toEqual([]);
    go();
    await flush();
    const after = run.pending();
    expect(after.map((f) => f.type)).toEqual(["event", "wait"]);
    const loss = after[0] as Extract<NodeTaskReport, { type: "event" }>;
    expect(loss.event.type).toBe("output_lost");
    expect(loss.event.data.events).toBe(1000 - kept.length);
    expect(after.map((f) => f.seq)).toEqual([kept.length + 1, kept.length + 2]);
  });

  it("drops nothing while the portal keeps acknowledging, however much the run writes in all", async () => {
    const sent: NodeTaskReport[] = [];
    const portal: { run?: NodeRun } = {};
    const channel = {
      send: (f: object) => {
        const report = f as NodeTaskReport;
        sent.push(report);
        if ("seq" in report) queueMicrotask(() => portal.run!.acknowledge(report.seq));
      },
      finished: () => {},
    };
    // 200 kB written in all through a 16 kB bound.
    const run = (portal.run = new NodeRun(assignment, chattyHost(200, 1000, Promise.resolve(), true), channel, 16 * 1024));
    void run.start();
    while (!sent.some((f) => f.type === "wait")) await flush();
    const events = sent.filter((f): f is Extract<NodeTaskReport, { type: "event" }> => f.type === "event");
    expect(events.map((e) => e.event.type)).toEqual(Array(200).fill("output"));
    await flush();
    expect(run.pending()).toEqual([]);
  });
});
