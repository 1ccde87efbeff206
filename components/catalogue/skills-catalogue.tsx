"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Dialog } from "@/components/ui/dialog";
import { ErrorState, QueryState } from "@/components/ui/query-state";
import { SkeletonRows } from "@/components/ui/skeleton";
import { errorMessage } from "@/lib/client/api";
import { formatBytes, formatRelative } from "@/lib/client/format";
import { useDeleteSkillMutation, useInstallSkillMutation, useSetSkillEnabledMutation, useSkillQuery, useSkillsQuery } from "@/lib/client/hooks/use-skills";

export function SkillsCatalogue({ canInstall }: { canInstall: boolean }) {
  const skills = useSkillsQuery();
  const toggle = useSetSkillEnabledMutation();
  const [open, setOpen] = useState<string | null>(null);
  return (
    <div className="space-y-5" data-testid="skills-catalogue">
      {canInstall ? <InstallForm /> : null}
      {toggle.isError ? <Alert tone="error">{errorMessage(toggle.error)}</Alert> : null}
      <QueryState query={skills} isEmpty={skills.data?.length === 0} empty={{ title: "No skills installed", body: canInstall ? "Upload a skill archive above." : "An administrator can install skills." }} testId="skills">
        <ul className="grid gap-4 md:grid-cols-2 xl:grid-cols-3">
          {skills.data?.map((s) => (
            <li key={s.name} className={`flex flex-col rounded-lg border bg-white p-4 shadow-sm ${s.enabled ? "border-slate-200" : "border-dashed border-slate-300 opacity-80"}`} data-testid="skill-card" data-skill={s.name}>
              <div className="flex items-start justify-between gap-2">
                <button type="button" onClick={() => setOpen(s.name)} className="text-left font-semibold text-slate-900 hover:text-brand-700 hover:underline" data-testid="skill-open">
                  {s.name}
                </button>
                <div className="flex gap-1">
                  {!s.enabled ? <Badge tone="slate">disabled</Badge> : s.usable ? <Badge tone="green">usable</Badge> : <Badge tone="amber" title="Your role or a policy does not allow it">not for you</Badge>}
                </div>
              </div>
              <p className="mt-1 line-clamp-3 text-sm text-slate-600">{s.description}</p>
              <p className="mt-2 text-xs text-slate-500">
                {s.version ? `v${s.version} · ` : ""}
                {s.source} · {s.file_count} files · {formatBytes(s.size_bytes)} · updated {formatRelative(s.updated_at)}
              </p>
              {canInstall ? (
                <div className="mt-auto flex justify-end pt-3">
                  <Button variant="secondary" className="py-1" disabled={toggle.isPending} onClick={() => toggle.mutate({ name: s.name, enabled: !s.enabled })} data-testid="skill-toggle">
                    {s.enabled ? "Disable" : "Enable"}
                  </Button>
                </div>
              ) : null}
            </li>
          ))}
        </ul>
      </QueryState>
      <Dialog open={open !== null} onClose={() => setOpen(null)} title={open ?? ""} wide testId="skill-dialog">
        {open ? <SkillDetails name={open} canInstall={canInstall} onDeleted={() => setOpen(null)} /> : null}
      </Dialog>
    </div>
  );
}

function SkillDetails({ name, canInstall, onDeleted }: { name: string; canInstall: boolean; onDeleted: () => void }) {
  const skill = useSkillQuery(name);
  const remove = useDeleteSkillMutation();
  if (skill.isPending) return <SkeletonRows rows={5} />;
  if (skill.isError) return <ErrorState error={skill.error} onRetry={() => skill.refetch()} />;
  const s = skill.data;
  const fromDirectory = s.source === "bundled" || s.source === "directory";
  return (
    <div className="space-y-4 text-sm" data-testid="skill-details">
      <p className="text-slate-700">{s.description}</p>
      {s.problem ? <Alert tone="warning">{s.problem}</Alert> : null}
      <dl className="grid grid-cols-2 gap-x-4 gap-y-1 text-xs">
        <dt className="text-slate-500">Version</dt>
        <dd>{s.version ?? "—"}</dd>
        <dt className="text-slate-500">License</dt>
        <dd>{s.license ?? "—"}</dd>
        <dt className="text-slate-500">Source</dt>
        <dd>{s.source}</dd>
        <dt className="text-slate-500">Allowed tools</dt>
        <dd>{s.allowed_tools.length ? s.allowed_tools.join(", ") : "any"}</dd>
      </dl>
      <div>
        <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Instructions</h3>
        <pre className="max-h-72 overflow-auto whitespace-pre-wrap rounded bg-slate-50 p-3 font-mono text-xs text-slate-800 ring-1 ring-slate-200">{s.instructions}</pre>
      </div>
      <div>
        <h3 className="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500">Files</h3>
        <ul className="max-h-40 overflow-auto text-xs">
          {s.files.map((f) => (
            <li key={f.path} className="flex justify-between gap-3 py-0.5">
              <code>{f.path}</code>
              <span className="text-slate-500">{formatBytes(f.size_bytes)}</span>
            </li>
          ))}
        </ul>
      </div>
      {canInstall && !fromDirectory ? (
        <div className="flex justify-end border-t border-slate-100 pt-3">
          {remove.isError ? <Alert tone="error">{errorMessage(remove.error)}</Alert> : null}
          <Button
            variant="danger"
            disabled={remove.isPending}
            onClick={async () => {
              if (!window.confirm(`Uninstall ${s.name}? Its folder is deleted.`)) return;
              const ok = await remove.mutateAsync(s.name).then(() => true).catch(() => false);
              if (ok) onDeleted();
            }}
          >
            Uninstall
          </Button>
        </div>
      ) : null}
    </div>
  );
}

function InstallForm() {
  const install = useInstallSkillMutation();
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const file = data.get("file");
    if (!(file instanceof File) || file.size === 0) return;
    const ok = await install.mutateAsync({ file, replace: data.get("replace") === "on" }).then(() => true).catch(() => false);
    if (ok) form.reset();
  }
  return (
    <Card>
      <CardHeader title="Install a skill" description="Upload a .zip or .tar.gz holding one Agent Skills folder (SKILL.md with name and description)." />
      <form onSubmit={onSubmit} className="flex flex-wrap items-end gap-3 p-5" data-testid="skill-install-form">
        <label className="flex flex-col gap-1 text-sm font-medium text-slate-700">
          Archive
          <input type="file" name="file" accept=".zip,.tar.gz,.tgz,application/zip,application/gzip" required className="text-sm file:mr-3 file:rounded-md file:border-0 file:bg-slate-100 file:px-3 file:py-1.5 file:text-sm file:font-medium" data-testid="skill-file" />
        </label>
        <label className="flex items-center gap-2 text-sm text-slate-700">
          <input type="checkbox" name="replace" className="accent-brand-600" />
          Replace if already installed
        </label>
        <Button type="submit" disabled={install.isPending} data-testid="skill-install">
          {install.isPending ? "Installing…" : "Install"}
        </Button>
        {install.isError ? (
          <div className="w-full">
            <Alert tone="error">{errorMessage(install.error)}</Alert>
          </div>
        ) : null}
        {install.isSuccess ? (
          <div className="w-full">
            <Alert tone="success">
              Installed {install.data.name}
              {install.data.replaced ? " (replaced the previous version)" : ""}.
            </Alert>
          </div>
        ) : null}
      </form>
    </Card>
  );
}
