"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Dialog } from "@/components/ui/dialog";
import { QueryState } from "@/components/ui/query-state";
import { agentKeys, useAgentsQuery, type Agent } from "@/lib/client/hooks/use-agents";
import { AgentConfigForm } from "./agent-config-form";

export function AgentsCatalogue({ canConfigure }: { canConfigure: boolean }) {
  const agents = useAgentsQuery();
  const qc = useQueryClient();
  const [editing, setEditing] = useState<Agent | null>(null);
  return (
    <div className="space-y-4" data-testid="agents-catalogue">
      <div className="flex justify-end">
        <Button variant="secondary" onClick={() => qc.invalidateQueries({ queryKey: agentKeys.list() })} disabled={agents.isFetching}>
          {agents.isFetching ? "Checking…" : "Check availability again"}
        </Button>
      </div>
      <QueryState query={agents} isEmpty={agents.data?.length === 0} empty={{ title: "No agents registered" }} testId="agents">
        <ul className="grid gap-4 md:grid-cols-2">
          {agents.data?.map((a) => (
            <li key={a.agent_type} className="flex flex-col rounded-lg border border-slate-200 bg-white p-4 shadow-sm" data-testid="agent-card" data-agent-type={a.agent_type}>
              <div className="flex items-start justify-between gap-2">
                <div>
                  <h2 className="font-semibold text-slate-900">{a.name}</h2>
                  <p className="text-xs text-slate-500">
                    <code>{a.agent_type}</code> · {a.backend}
                    {a.version ? ` · v${a.version}` : ""}
                  </p>
                </div>
                {a.available ? (
                  <Badge tone="green" testId="agent-availability">
                    available
                  </Badge>
                ) : (
                  <Badge tone={a.enabled ? "amber" : "slate"} testId="agent-availability">
                    {a.enabled ? "unavailable" : "disabled"}
                  </Badge>
                )}
              </div>
              <p className="mt-2 text-sm text-slate-600">{a.description}</p>
              {!a.available && a.reason ? <p className="mt-2 rounded bg-amber-50 px-2 py-1 text-xs text-amber-800" data-testid="agent-reason">{a.reason}</p> : null}
              {a.aliases.length ? <p className="mt-2 text-xs text-slate-500">Also known as {a.aliases.join(", ")}</p> : null}
              {canConfigure ? (
                <div className="mt-auto flex justify-end pt-3">
                  <Button variant="secondary" onClick={() => setEditing(a)} data-testid="agent-configure">
                    Configure
                  </Button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      </QueryState>
      <Dialog open={editing !== null} onClose={() => setEditing(null)} title={`Configure ${editing?.name ?? ""}`} wide testId="agent-config-dialog">
        {editing ? <AgentConfigForm agentType={editing.agent_type} onSaved={() => setEditing(null)} /> : null}
      </Dialog>
    </div>
  );
}
