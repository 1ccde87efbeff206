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
          const anchor = report.checkpoint;
          if (anchor) out.line(`Checked against signed checkpoint #${anchor.seq} ${anchor.hash.slice(0, 16)}… of ${anchor.created_at} (key ${anchor.key_id.slice(0, 12)}…, from the ${anchor.source === "file" ? "node's DATA_DIR" : "database"}).`);
          else out.line("No signed checkpoint yet: rewrites that recompute every hash, and tail truncation, cannot be detected until one exists (clawlink checkpoint).");
          if (report.checkpoints.untrusted > 0) out.line(`Ignored ${report.checkpoints.untrusted} checkpoint(s) whose signature does not verify with this node's key.`);
        });
        return report.ok ? EXIT.ok : EXIT.failed;
      }),
    );
  program
    .command("checkpoint")
    .description("Seal the audit chain and sign a checkpoint of its head now (admins)")
    .action(
      action(async ({ out }) => {
        const conn = connect();
        const checkpoint = await call(conn.api.POST("/api/audit/checkpoints"));
        out.result(checkpoint, () => out.line(`Checkpoint #${checkpoint.seq} ${checkpoint.hash.slice(0, 16)}… signed at ${checkpoint.created_at} (key ${checkpoint.key_id.slice(0, 12)}…).`));
        return EXIT.ok;
      }),
    );
}
