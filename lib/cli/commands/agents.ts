import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";

export function registerAgents(program: Command): void {
  program
    .command("agents")
    .description("The agents this node offers, and whether each can run now (and why not)")
    .action(
      action(async ({ out }) => {
        const conn = connect();
        const list = await call(conn.api.GET("/api/runtime/agents"));
        out.result(list, () => {
          if (list.agents.length === 0) return out.line("No agents.");
          out.table(
            ["AGENT", "AVAILABLE", "BACKEND", "NOTE"],
            list.agents.map((a) => [a.agent_type, !a.enabled ? "disabled" : a.available ? "yes" : "no", a.backend, a.reason ?? a.version ?? ""]),
          );
        });
      }),
    );
}
