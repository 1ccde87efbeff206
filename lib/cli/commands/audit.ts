import { Option, type Command } from "commander";
import { action } from "../command";
import { call, connect, apiError, fetchOrExplain, USER_AGENT } from "../client";
import type { JsonOf } from "../api/types";
import { usageError } from "../exit-codes";
import { truncate } from "../output";

type AuditPage = JsonOf<"/api/audit/events", "get">;
type AuditEvent = AuditPage["events"][number];

interface AuditOptions {
  json?: boolean;
  user?: string;
  session?: string;
  type?: string;
  resourceType?: string;
  resource?: string;
  outcome?: "success" | "failure" | "denied";
  from?: string;
  to?: string;
  limit: number;
  format?: "table" | "json" | "csv" | "jsonl";
}

/** Most events fetched for table/json output (csv/jsonl stream every match from the export). */
const MAX_EVENTS = 10_000;

export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description("The audit trail (admins): filter it, print a table, or export JSON / CSV")
    .option("--user <id>", "events by this user")
    .option("--session <id>", "events in this runtime session")
    .option("--type <event_type>", "e.g. task.submitted, permission.denied")
    .option("--resource-type <type>", "e.g. task, session, user")
    .option("--resource <id>", "events about this object")
    .addOption(new Option("--outcome <outcome>", "success, failure or denied").choices(["success", "failure", "denied"]))
    .option("--from <time>", "from this ISO time (e.g. 2026-12-01 or 2026-12-01T10:00Z)")
    .option("--to <time>", "up to this ISO time")
    .addOption(new Option("--limit <n>", `newest events to show (table and json; at most ${MAX_EVENTS})`).default(50).argParser((v) => Number.parseInt(v, 10)))
    .addOption(new Option("--format <format>", "table (default), json, csv or jsonl (csv/jsonl: every match, oldest first)").choices(["table", "json", "csv", "jsonl"]))
    .action(
      action<AuditOptions>(async ({ out, options }) => {
        if (!(options.limit >= 1 && options.limit <= MAX_EVENTS)) throw usageError(`--limit must be between 1 and ${MAX_EVENTS}`);
        const filter = {
          ...(options.user ? { user_id: options.user } : {}),
          ...(options.session ? { session_id: options.session } : {}),
          ...(options.type ? { event_type: options.type } : {}),
          ...(options.resourceType ? { resource_type: options.resourceType } : {}),
          ...(options.resource ? { resource_id: options.resource } : {}),
          ...(options.outcome ? { outcome: options.outcome } : {}),
          ...(options.from ? { from: options.from } : {}),
          ...(options.to ? { to: options.to } : {}),
        };
        const format = options.format ?? (options.json ? "json" : "table");
        const conn = connect();
        if (format === "csv" || format === "jsonl") {
          const query = new URLSearchParams({ ...filter, format });
          const url = `${conn.target.url}/api/audit/export?${query}`;
          const response = await fetchOrExplain(conn.target.url, new Request(url, { headers: { authorization: `Bearer ${conn.target.token}`, "user-agent": USER_AGENT } }), { timeoutMs: null });
          if (!response.ok) throw apiError(response, await response.json().catch(() => undefined));
          for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) process.stdout.write(chunk);
          return;
        }
        const events: AuditEvent[] = [];
        let cursor: number | undefined;
        while (events.length < options.limit) {
          const page: AuditPage = await call(conn.api.GET("/api/audit/events", { params: { query: { ...filter, limit: Math.min(1000, options.limit - events.length), ...(cursor !== undefined ? { cursor } : {}) } } }));
          events.push(...page.events);
          if (!page.next_cursor) break;
          cursor = Number(page.next_cursor);
        }
        if (format === "json") return out.line(JSON.stringify(events, null, 2));
        if (events.length === 0) return out.line("No audit events match.");
        out.table(
          ["SEQ", "TIME", "EVENT", "OUTCOME", "ACTOR", "RESOURCE"],
          events.map((e) => [e.seq, e.occurred_at.replace("T", " ").slice(0, 19), e.event_type, e.outcome, e.actor_user_id ?? "system", truncate([e.resource_type, e.resource_id].filter(Boolean).join(" "), 50)]),
        );
      }),
    );
}
