import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Database } from "../db/client";
import { selectRows } from "../db/sql";
import { AppError } from "../errors";
import { authorize } from "../security/authorize";
import type { AuthContext } from "../security/context";
import { canActForOthers } from "../security/authorize";

export const summaryQuerySchema = z.object({
  /** Admins: everyone's tasks. */
  all: z.enum(["true", "false"]).optional().transform((v) => v === "true"),
  hours: z.coerce.number().int().min(1).max(168).default(24),
});
export type SummaryQuery = z.infer<typeof summaryQuerySchema>;

const STATES = ["PENDING", "PLANNING", "RUNNING", "WAITING", "COMPLETED", "FAILED", "CANCELLED"] as const;
type FinalState = "COMPLETED" | "FAILED" | "CANCELLED";

export const taskSummarySchema = z.object({
  scope: z.enum(["mine", "all"]),
  window_hours: z.number().int(),
  since: z.string(),
  /** Tasks submitted in the window, by their current state. */
  counts: z.record(z.enum(STATES), z.number().int()),
  /** Tasks that finished in the window, per hour (UTC hour start) and final state; empty hours omitted. */
  per_hour: z.array(z.object({ hour: z.string(), COMPLETED: z.number().int(), FAILED: z.number().int(), CANCELLED: z.number().int() })),
  /** Per agent, over tasks finished in the window. Cancelled ones count as not successful. */
  agents: z.array(
    z.object({
      agent_type: z.string(),
      finished: z.number().int(),
      completed: z.number().int(),
      success_rate: z.number().nullable(),
      median_duration: z.number().nullable(),
    }),
  ),
});
export type TaskSummary = z.infer<typeof taskSummarySchema>;

/** The dashboard's numbers, aggregated by the database rather than shipped row by row. */
export async function summarizeTasks(db: Database, ctx: AuthContext, query: SummaryQuery, now = new Date()): Promise<TaskSummary> {
  await authorize(ctx, "task:view");
  if (query.all && !canActForOthers(ctx)) throw new AppError("forbidden", "Summarising everyone's tasks needs the admin:users permission");
  const since = new Date(now.getTime() - query.hours * 3600_000);
  const owner: SQL = query.all ? sql`true` : sql`user_id = ${ctx.user.id}`;
  // An ISO string with a cast: postgres.js does not serialise a Date bound in raw SQL.
  const from = sql`${since.toISOString()}::timestamptz`;

  const [counts, hours, agents] = await Promise.all([
    selectRows<{ state: (typeof STATES)[number]; n: number }>(
      db,
      sql`select state, count(*)::int as n from executions where ${owner} and created_at >= ${from} group by state`,
    ),
    selectRows<{ hour: Date | string; state: FinalState; n: number }>(
      db,
      sql`select date_trunc('hour', finished_at) as hour, state, count(*)::int as n from executions
          where ${owner} and finished_at >= ${from} and state in ('COMPLETED', 'FAILED', 'CANCELLED')
          group by 1, 2 order by 1`,
    ),
    selectRows<{ agent_type: string; finished: number; completed: number; median_duration: number | string | null }>(
      db,
      sql`select agent_type, count(*)::int as finished,
                 (count(*) filter (where state = 'COMPLETED'))::int as completed,
                 percentile_cont(0.5) within group (order by extract(epoch from finished_at - started_at))
                   filter (where state = 'COMPLETED' and started_at is not null) as median_duration
          from executions
          where ${owner} and finished_at >= ${from} and state in ('COMPLETED', 'FAILED', 'CANCELLED')
          group by agent_type order by count(*) desc, agent_type`,
    ),
  ]);

  const perHour = new Map<string, TaskSummary["per_hour"][number]>();
  for (const row of hours) {
    const hour = new Date(row.hour).toISOString();
    const bucket = perHour.get(hour) ?? { hour, COMPLETED: 0, FAILED: 0, CANCELLED: 0 };
    bucket[row.state] += row.n;
    perHour.set(hour, bucket);
  }
  return {
    scope: query.all ? "all" : "mine",
    window_hours: query.hours,
    since: since.toISOString(),
    counts: Object.fromEntries(STATES.map((s) => [s, counts.find((c) => c.state === s)?.n ?? 0])) as TaskSummary["counts"],
    per_hour: [...perHour.values()],
    agents: agents.map((a) => ({
      agent_type: a.agent_type,
      finished: a.finished,
      completed: a.completed,
      success_rate: a.finished ? Math.round((a.completed / a.finished) * 1000) / 10 : null,
      median_duration: a.median_duration === null ? null : Math.round(Number(a.median_duration) * 1000) / 1000,
    })),
  };
}
