import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { ago } from "../output";
import { checkId } from "../task-input";

export function registerSessions(program: Command): void {
  const sessions = program.command("sessions").description("Your runtime sessions (devices that opened one), and ending them");
  sessions
    .command("list", { isDefault: true })
    .description("List your sessions")
    .option("--all", "include ended ones")
    .action(
      action<{ all?: boolean }>(async ({ out, options }) => {
        const conn = connect();
        const list = await call(conn.api.GET("/api/runtime/sessions", { params: { query: options.all ? { include_ended: "true" } : {} } }));
        out.result(list, () => {
          if (list.sessions.length === 0) return out.line(options.all ? "No sessions." : "No active sessions (--all shows ended ones).");
          out.table(
            ["SESSION", "STATUS", "DEVICE", "TRUST", "LAST ACTIVE"],
            list.sessions.map((s) => [s.session_id, s.status, s.device.name ?? s.device.device_id, s.device.trust, ago(s.last_active_at)]),
          );
        });
      }),
    );
  sessions
    .command("end")
    .description("End a session now (its token stops working at once)")
    .argument("<session>", "the session id")
    .action(
      action<object, [string]>(async ({ out }, session) => {
        const id = checkId(session, "session");
        const conn = connect();
        await call(conn.api.DELETE("/api/runtime/sessions/{id}", { params: { path: { id } } }));
        out.result({ session_id: id, ended: true }, () => out.line("Session ended."));
      }),
    );
}
