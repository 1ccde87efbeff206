"use client";

import { type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field, TextareaField } from "@/components/ui/field";
import { errorMessage } from "@/lib/client/api";
import { useCreateProjectMutation, useUpdateProjectMutation, type Project } from "@/lib/client/hooks/use-projects";

/**
 * Create a project, or edit one (the key is fixed once created). The local checkout is the
 * server folder agents work in, so only administrators (`canSetLocalPath`) see and send it.
 */
export function ProjectForm({ project, onDone, canSetLocalPath }: { project?: Project; onDone: (project: Project) => void; canSetLocalPath: boolean }) {
  const create = useCreateProjectMutation();
  const update = useUpdateProjectMutation();
  const mutation = project ? update : create;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const text = (name: string) => {
      const v = String(data.get(name) ?? "").trim();
      return v ? v : null;
    };
    const input = {
      name: String(data.get("name")).trim(),
      description: text("description"),
      github_url: text("github_url"),
      ...(canSetLocalPath ? { local_path: text("local_path") } : {}),
    };
    const saved = await (project ? update.mutateAsync({ id: project.id, ...input }) : create.mutateAsync({ key: String(data.get("key")).trim().toUpperCase(), ...input })).catch(() => null);
    if (saved) onDone(saved);
  }

  return (
    <form onSubmit={onSubmit} className="space-y-3" data-testid="project-form">
      {mutation.isError ? <Alert tone="error">{errorMessage(mutation.error)}</Alert> : null}
      {project ? null : (
        <Field label="Key" name="key" required pattern="[A-Za-z][A-Za-z0-9]{1,9}" maxLength={10} placeholder="PROJ" hint="2–10 letters or digits; task keys become KEY-1, KEY-2…" className="uppercase" data-testid="project-key" />
      )}
      <Field label="Name" name="name" required maxLength={200} defaultValue={project?.name} data-testid="project-name" />
      <TextareaField label="Description" name="description" rows={3} defaultValue={project?.description ?? ""} />
      <Field label="GitHub repository" name="github_url" placeholder="https://github.com/owner/repo" defaultValue={project?.github_url ?? ""} />
      {canSetLocalPath ? (
        <Field label="Local checkout" name="local_path" placeholder="/srv/checkouts/repo" defaultValue={project?.local_path ?? ""} hint="Absolute path on this machine; CLI agents work there." />
      ) : null}
      <div className="flex justify-end">
        <Button type="submit" disabled={mutation.isPending} data-testid="project-save">
          {mutation.isPending ? "Saving…" : project ? "Save changes" : "Create project"}
        </Button>
      </div>
    </form>
  );
}
