"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { SkeletonRows } from "@/components/ui/skeleton";
import { ErrorState } from "@/components/ui/query-state";
import { errorMessage } from "@/lib/client/api";
import { formatRelative } from "@/lib/client/format";
import { useAgentConfigQuery, useUpdateAgentConfigMutation, type AgentConfig, type AgentConfigUpdate } from "@/lib/client/hooks/use-agents";

const INPUT = "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30";

/**
 * An agent's settings for admins. Secrets are write-only: the form never receives their values,
 * only whether one is set and where from; typing a value replaces it, "Remove" clears the stored one.
 */
export function AgentConfigForm({ agentType, onSaved }: { agentType: string; onSaved: () => void }) {
  const config = useAgentConfigQuery(agentType);
  if (config.isPending) return <SkeletonRows rows={4} />;
  if (config.isError) return <ErrorState error={config.error} onRetry={() => config.refetch()} />;
  return <ConfigFields config={config.data} onSaved={onSaved} />;
}

function ConfigFields({ config, onSaved }: { config: AgentConfig; onSaved: () => void }) {
  const update = useUpdateAgentConfigMutation(config.agent_type);
  const [clear, setClear] = useState<Record<string, boolean>>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const body: AgentConfigUpdate = { enabled: data.get("enabled") === "on", settings: {}, secrets: {} };
    for (const field of config.fields) {
      if (field.secret) {
        const value = String(data.get(field.name) ?? "");
        if (clear[field.name]) body.secrets![field.name] = null;
        else if (value) body.secrets![field.name] = value;
        continue;
      }
      if (field.type === "boolean") {
        const checked = data.get(field.name) === "on";
        if (checked !== Boolean(config.settings[field.name])) body.settings![field.name] = checked;
        continue;
      }
      const raw = String(data.get(field.name) ?? "").trim();
      const current = config.settings[field.name];
      if (raw === String(current ?? "")) continue;
      body.settings![field.name] = raw === "" ? null : field.type === "number" ? Number(raw) : raw;
    }
    const ok = await update.mutateAsync(body).then(() => true).catch(() => false);
    if (ok) onSaved();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="agent-config-form">
      {update.isError ? <Alert tone="error">{errorMessage(update.error)}</Alert> : null}
      <label className="flex items-center gap-2 text-sm font-medium text-slate-800">
        <input type="checkbox" name="enabled" defaultChecked={config.enabled} className="accent-brand-600" data-testid="agent-enabled" />
        Enabled (people may run this agent)
      </label>
      {config.fields.map((f) => {
        const id = `agent-${config.agent_type}-${f.name}`;
        const source = f.secret ? config.secrets[f.name]?.source : f.source;
        return (
          <div key={f.name} className="space-y-1">
            <label htmlFor={id} className="flex items-center justify-between text-sm font-medium text-slate-700">
              <span>{f.label}</span>
              <span className="text-xs font-normal text-slate-500">{source ? `from ${source}` : "not set"}{f.env ? ` · ${f.env}` : ""}</span>
            </label>
            {f.secret ? (
              <div className="flex items-center gap-2">
                <input
                  id={id}
                  name={f.name}
                  type="password"
                  autoComplete="off"
                  disabled={clear[f.name]}
                  placeholder={config.secrets[f.name]?.set ? "•••••••• (set; type to replace)" : "not set"}
                  className={INPUT}
                  data-testid={`agent-secret-${f.name}`}
                />
                {config.secrets[f.name]?.source === "database" ? (
                  <label className="flex items-center gap-1 whitespace-nowrap text-xs text-slate-600">
                    <input type="checkbox" checked={Boolean(clear[f.name])} onChange={(e) => setClear((prev) => ({ ...prev, [f.name]: e.target.checked }))} />
                    Remove
                  </label>
                ) : null}
              </div>
            ) : f.type === "boolean" ? (
              <input id={id} name={f.name} type="checkbox" defaultChecked={Boolean(config.settings[f.name])} className="accent-brand-600" />
            ) : f.type === "enum" ? (
              <select id={id} name={f.name} defaultValue={String(config.settings[f.name] ?? "")} className={INPUT}>
                <option value="">(default)</option>
                {f.options?.map((o) => (
                  <option key={o}>{o}</option>
                ))}
              </select>
            ) : (
              <input id={id} name={f.name} type={f.type === "number" ? "number" : f.type === "url" ? "url" : "text"} defaultValue={config.settings[f.name] === null ? "" : String(config.settings[f.name])} placeholder={f.default !== null ? String(f.default) : undefined} className={INPUT} />
            )}
            {f.help ? <p className="text-xs text-slate-500">{f.help}</p> : null}
          </div>
        );
      })}
      <div className="flex items-center justify-between">
        <span className="text-xs text-slate-500">{config.updated_at ? `Last changed ${formatRelative(config.updated_at)}` : "Using environment and defaults"}</span>
        <Button type="submit" disabled={update.isPending} data-testid="agent-config-save">
          {update.isPending ? "Saving…" : "Save settings"}
        </Button>
      </div>
    </form>
  );
}
