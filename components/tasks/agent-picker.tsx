"use client";

import { QueryState } from "@/components/ui/query-state";
import { useAgentsQuery } from "@/lib/client/hooks/use-agents";

/**
 * Radio cards for choosing an agent: each shows whether the caller can use it now and, when not,
 * why (a policy or their role forbids it, missing key, binary not on PATH, disabled …). Those
 * cannot be chosen.
 */
export function AgentPicker({ value, onChange, name = "agent_type" }: { value: string; onChange: (agentType: string) => void; name?: string }) {
  const agents = useAgentsQuery();
  return (
    <fieldset className="space-y-2">
      <legend className="text-sm font-medium text-slate-700">Agent</legend>
      <QueryState query={agents} isEmpty={agents.data?.length === 0} empty={{ title: "No agents are registered on this node" }} testId="agents-picker" rows={3}>
        <div className="grid gap-2 sm:grid-cols-2" data-testid="agent-picker">
          {agents.data?.map((a) => {
            const checked = value === a.agent_type;
            const usable = a.usable;
            // Runs here, but this person may not use it: a different mark than "not installed".
            const forbidden = a.available && !a.usable;
            return (
              <label
                key={a.agent_type}
                data-testid={`agent-option-${a.agent_type}`}
                className={`flex cursor-pointer gap-3 rounded-md border p-3 text-sm focus-within:ring-2 focus-within:ring-brand-500/40 ${!usable ? "cursor-not-allowed border-slate-200 bg-slate-50 opacity-75" : checked ? "border-brand-500 bg-brand-50" : "border-slate-200 bg-white hover:border-slate-300"}`}
              >
                <input type="radio" name={name} value={a.agent_type} checked={checked} disabled={!usable} onChange={() => onChange(a.agent_type)} className="mt-1 accent-brand-600" />
                <span className="min-w-0">
                  <span className="flex items-center gap-2 font-medium text-slate-900">
                    {a.name}
                    <span className={`h-2 w-2 rounded-full ${usable ? "bg-emerald-500" : forbidden ? "bg-amber-500" : "bg-slate-400"}`} aria-hidden />
                    <span className="sr-only">{usable ? "available" : forbidden ? "not allowed for you" : "unavailable"}</span>
                    {forbidden ? (
                      <span className="rounded bg-amber-100 px-1.5 text-[11px] font-medium text-amber-900" data-testid="agent-not-allowed">
                        not for you
                      </span>
                    ) : null}
                  </span>
                  <span className="block text-xs text-slate-500">
                    <code>{a.agent_type}</code> · {a.backend}
                    {a.version ? ` · v${a.version}` : ""}
                  </span>
                  {!usable && (a.usable_reason ?? a.reason) ? (
                    <span className="mt-1 block text-xs text-amber-800" data-testid="agent-unavailable-reason">
                      {a.usable_reason ?? a.reason}
                    </span>
                  ) : null}
                </span>
              </label>
            );
          })}
        </div>
      </QueryState>
    </fieldset>
  );
}
