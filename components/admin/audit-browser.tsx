"use client";

import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Fragment, useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { displayValue, formatDateTime, shortId } from "@/lib/client/format";
import { useUsersQuery } from "@/lib/client/hooks/use-admin";
import { auditExportUrl, useAuditEventsQuery, useVerifyChainMutation, type AuditFilter } from "@/lib/client/hooks/use-audit";

/** Suggestions for the event-type filter (the server accepts any string). */
const EVENT_TYPES = [
  "session.created", "session.deleted", "session.expired", "task.submitted", "task.started", "task.completed", "task.failed", "task.cancelled",
  "task.input_provided", "task.retried", "agent.executed", "agent.configured", "permission.granted", "permission.revoked", "permission.denied",
  "resource.accessed", "resource.created", "resource.modified", "resource.deleted", "auth.signin_succeeded", "auth.signin_failed", "auth.signed_out",
  "auth.setup_completed", "token.created", "token.revoked", "device.approved", "device.revoked", "user.created", "user.disabled", "user.enabled",
  "role.changed", "policy.created", "policy.deleted", "skill.installed", "skill.modified", "skill.deleted",
];
const RESOURCE_TYPES = ["task", "session", "device", "user", "api_token", "policy", "agent", "skill", "project", "board_task", "invite", "audit_chain"];
const FILTER_KEYS = ["user_id", "session_id", "event_type", "resource_type", "resource_id", "outcome", "from", "to"] as const;

const INPUT = "block w-full rounded-md border border-slate-300 bg-white px-2.5 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30";

/** datetime-local value (local time) → ISO string, and back. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : "");
const toLocal = (iso: string | undefined) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/**
 * Controlled so the chosen user stays selected when the list of users arrives after the form
 * (an uncontrolled select would fall back to "Anyone" and drop the filter on the next apply).
 */
function UserSelect({ initial, users }: { initial: string; users: { id: string; email: string }[] }) {
  const [value, setValue] = useState(initial);
  return (
    <select name="user_id" value={value} onChange={(e) => setValue(e.target.value)} className={INPUT} data-testid="audit-filter-user">
      <option value="">Anyone</option>
      {value && !users.some((u) => u.id === value) ? <option value={value}>{value}</option> : null}
      {users.map((u) => (
        <option key={u.id} value={u.id}>
          {u.email}
        </option>
      ))}
    </select>
  );
}

export function AuditBrowser() {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filter: AuditFilter = {};
  for (const key of FILTER_KEYS) {
    const v = params.get(key);
    if (v) filter[key] = v;
  }
  const events = useAuditEventsQuery(filter);
  const users = useUsersQuery();
  const verify = useVerifyChainMutation();
  const [expanded, setExpanded] = useState<string | null>(null);
  const rows = events.data?.pages.flatMap((p) => p.events) ?? [];
  const email = (id: string | null) => (id ? (users.data?.find((u) => u.id === id)?.email ?? shortId(id)) : "—");

  function onApply(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const key of FILTER_KEYS) {
      let v = String(data.get(key) ?? "").trim();
      if (key === "from" || key === "to") v = toIso(v);
      if (v) next.set(key, v);
    }
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`);
  }

  return (
    <div className="space-y-4" data-testid="audit-browser">
      <Card className="p-4">
        <form key={params.toString()} onSubmit={onApply} className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4" data-testid="audit-filters">
          <label className="text-xs font-medium text-slate-600">
            User
            <UserSelect initial={filter.user_id ?? ""} users={users.data ?? []} />
          </label>
          <label className="text-xs font-medium text-slate-600">
            Event type
            <input name="event_type" list="audit-event-types" defaultValue={filter.event_type ?? ""} className={INPUT} placeholder="task.submitted" data-testid="audit-filter-type" />
          </label>
          <label className="text-xs font-medium text-slate-600">
            Resource type
            <input name="resource_type" list="audit-resource-types" defaultValue={filter.resource_type ?? ""} className={INPUT} placeholder="task" data-testid="audit-filter-resource-type" />
          </label>
          <label className="text-xs font-medium text-slate-600">
            Resource id
            <input name="resource_id" defaultValue={filter.resource_id ?? ""} className={INPUT} />
          </label>
          <label className="text-xs font-medium text-slate-600">
            Session id
            <input name="session_id" defaultValue={filter.session_id ?? ""} className={INPUT} pattern="[0-9a-fA-F\-]{36}" title="A session UUID" />
          </label>
          <label className="text-xs font-medium text-slate-600">
            Outcome
            <select name="outcome" defaultValue={filter.outcome ?? ""} className={INPUT} data-testid="audit-filter-outcome">
              <option value="">Any</option>
              <option value="success">success</option>
              <option value="failure">failure</option>
              <option value="denied">denied</option>
            </select>
          </label>
          <label className="text-xs font-medium text-slate-600">
            From
            <input type="datetime-local" name="from" defaultValue={toLocal(filter.from)} className={INPUT} />
          </label>
          <label className="text-xs font-medium text-slate-600">
            To
            <input type="datetime-local" name="to" defaultValue={toLocal(filter.to)} className={INPUT} />
          </label>
          <datalist id="audit-event-types">
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <datalist id="audit-resource-types">
            {RESOURCE_TYPES.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
          <div className="flex flex-wrap items-end gap-2 sm:col-span-2 lg:col-span-4">
            <Button type="submit" data-testid="audit-apply">
              Apply filters
            </Button>
            <Button type="button" variant="ghost" onClick={() => router.replace(pathname)}>
              Reset
            </Button>
            <span className="ml-auto flex flex-wrap gap-2">
              <a href={auditExportUrl(filter, "csv")} className="rounded-md px-3 py-2 text-sm font-medium text-brand-700 ring-1 ring-slate-300 hover:bg-slate-50" data-testid="audit-export-csv" download>
                Export CSV
              </a>
              <a href={auditExportUrl(filter, "jsonl")} className="rounded-md px-3 py-2 text-sm font-medium text-brand-700 ring-1 ring-slate-300 hover:bg-slate-50" data-testid="audit-export-jsonl" download>
                Export JSONL
              </a>
              <Button type="button" variant="secondary" onClick={() => verify.mutate()} disabled={verify.isPending} data-testid="audit-verify">
                {verify.isPending ? "Verifying…" : "Verify chain"}
              </Button>
            </span>
          </div>
        </form>
      </Card>
      {verify.isError ? <Alert tone="error">{errorMessage(verify.error)}</Alert> : null}
      {verify.data ? (
        <div data-testid="audit-verify-result">
          {verify.data.ok ? (
            <Alert tone="success">
              The chain is intact: {verify.data.checked} events checked{verify.data.head ? `, head #${verify.data.head.seq} ${verify.data.head.hash.slice(0, 12)}…` : ""}.
            </Alert>
          ) : (
            <Alert tone="error">
              The chain is broken at event #{verify.data.first_broken?.seq}: {verify.data.first_broken?.message} ({verify.data.checked} events before it are intact).
            </Alert>
          )}
          <p className="mt-2 text-sm text-slate-600" data-testid="audit-verify-checkpoint">
            {verify.data.checkpoint
              ? `Checked against signed checkpoint #${verify.data.checkpoint.seq} of ${new Date(verify.data.checkpoint.created_at).toLocaleString()} (from the ${verify.data.checkpoint.source === "file" ? "node's data folder" : "database"}).`
              : "No signed checkpoint yet: the sealer signs one every minute (or run clawlink checkpoint)."}
            {verify.data.checkpoints.untrusted > 0 ? ` Ignored ${verify.data.checkpoints.untrusted} checkpoint(s) not signed by this node's key.` : ""}
          </p>
        </div>
      ) : null}
      <QueryState query={events} isEmpty={rows.length === 0} empty={{ title: "No audit events match", body: "Widen the time range or clear a filter." }} testId="audit" rows={8}>
        <Table testId="audit-table">
          <thead>
            <tr>
              <Th>#</Th>
              <Th>When</Th>
              <Th>Event</Th>
              <Th>Actor</Th>
              <Th>Resource</Th>
              <Th>Outcome</Th>
              <Th>
                <span className="sr-only">Details</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.map((e) => (
              <Fragment key={e.id}>
                <Tr data-testid="audit-row" data-event-type={e.event_type}>
                  <Td className="font-mono text-xs text-slate-500">{e.seq}</Td>
                  <Td className="whitespace-nowrap text-xs">{formatDateTime(e.occurred_at)}</Td>
                  <Td>
                    <code className="text-xs text-slate-900">{e.event_type}</code>
                    <div className="text-xs text-slate-500">{e.action}</div>
                  </Td>
                  <Td className="text-xs">
                    {email(e.actor_user_id)}
                    {e.ip ? <div className="text-slate-500">{e.ip}</div> : null}
                  </Td>
                  <Td className="text-xs">{e.resource_type ? `${e.resource_type} ${e.resource_id ? shortId(e.resource_id) : ""}` : "—"}</Td>
                  <Td>
                    <Badge tone={e.outcome === "success" ? "green" : e.outcome === "denied" ? "amber" : "red"}>{e.outcome}</Badge>
                  </Td>
                  <Td className="text-right">
                    <Button variant="ghost" className="px-2 py-0.5 text-xs" aria-expanded={expanded === e.id} onClick={() => setExpanded(expanded === e.id ? null : e.id)}>
                      {expanded === e.id ? "Hide" : "Details"}
                    </Button>
                  </Td>
                </Tr>
                {expanded === e.id ? (
                  <tr>
                    <td colSpan={7} className="bg-slate-50 px-3 py-2">
                      <pre className="whitespace-pre-wrap font-mono text-xs text-slate-700">
                        {displayValue({ session_id: e.session_id, device_id: e.device_id, resource_id: e.resource_id, details: e.details, prev_hash: e.prev_hash, hash: e.hash })}
                      </pre>
                    </td>
                  </tr>
                ) : null}
              </Fragment>
            ))}
          </tbody>
        </Table>
        {events.hasNextPage ? (
          <div className="flex justify-center">
            <Button variant="secondary" onClick={() => events.fetchNextPage()} disabled={events.isFetchingNextPage} data-testid="audit-more">
              {events.isFetchingNextPage ? "Loading…" : "Older events"}
            </Button>
          </div>
        ) : null}
      </QueryState>
    </div>
  );
}
