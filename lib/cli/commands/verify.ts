import type { Command } from "commander";
import { action } from "../command";
import { call, connect } from "../client";
import { EXIT } from "../exit-codes";

export function registerVerify(program: Command): void {
  program
    .command("verify")
    .description("Re-walk the audit hash chain (admins); exit 1 if it is broken")
    .action(
      action(async ({ out }) => {
        const conn = connect();
        const report = await call(conn.api.GET("/api/audit/verify"));
        out.result(report, () => {
          if (report.ok) out.line(`Audit chain intact: ${report.checked} events checked${report.head ? `, head #${report.head.seq} ${report.head.hash.slice(0, 16)}…` : ""}.`);
          else out.line(`Audit chain BROKEN at #${report.first_broken?.seq} (${report.first_broken?.reason}): ${report.first_broken?.message}`);
        });
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
