import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { truncate } from "../output";

export function registerSkills(program: Command): void {
  program
    .command("skills")
    .description("The skills catalogue, and which ones you may use in a task (--skill NAME)")
    .action(
      action(async ({ out }) => {
        const conn = connect();
        const list = await call(conn.api.GET("/api/runtime/skills"));
        out.result(list, () => {
          if (list.skills.length === 0) return out.line("No skills installed.");
          out.table(
            ["SKILL", "USABLE", "VERSION", "DESCRIPTION"],
            list.skills.map((s) => [s.name, s.usable ? "yes" : s.enabled ? "no" : "disabled", s.version ?? "", truncate(s.description, 60)]),
          );
        });
      }),
    );
}
