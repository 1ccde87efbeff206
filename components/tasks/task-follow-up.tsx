"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { TextareaField } from "@/components/ui/field";
import { errorMessage } from "@/lib/client/api";
import { useBoardTaskQuery } from "@/lib/client/hooks/use-board";
import { useProjectQuery } from "@/lib/client/hooks/use-projects";
import { useSubmitTaskMutation, type Task } from "@/lib/client/hooks/use-tasks";

/** The agent's own session id when it reported one (Claude Code: --resume), so a follow-up continues it. */
export function resumeIdOf(task: Task): string | null {
  const data = (task.result as { data?: Record<string, unknown> } | null)?.data;
  const id = data?.resume_session_id ?? data?.session_id;
  return typeof id === "string" && id ? id : null;
}

/**
 * Continue from a finished task: a new task with the same agent, project, skills and runtime
 * session, and the agent's session resumed when it reported one. Errors show in this card.
 */
export function FollowUp({ task: t }: { task: Task }) {
  const router = useRouter();
  const submit = useSubmitTaskMutation();
  const [prompt, setPrompt] = useState("");
  const resume = resumeIdOf(t);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!prompt.trim()) return;
    const { steps: _steps, ...context } = t.context as Record<string, unknown>;
    void _steps; // the test agent's script belongs to the first task only
    const next = await submit
      .mutateAsync({
        agent_type: t.agent_type,
        prompt,
        context: { ...context, ...(resume ? { resume_session_id: resume } : {}), follow_up_of: t.task_id },
        ...(t.project_id ? { project_id: t.project_id } : {}),
        ...(t.skills.length ? { skills: t.skills } : {}),
        ...(t.session_id ? { session_id: t.session_id } : {}),
      })
      .catch(() => null);
    if (next) router.push(`/tasks/${next.task_id}`);
  }
  return (
    <Card data-testid="follow-up">
      <CardHeader
        title="Follow up"
        description={resume ? "Continues the agent's session: it remembers this conversation." : t.session_id ? "Runs in the same session and workspace." : "A new task with the same agent, project and skills."}
        action={
          <Link href={`/tasks/new?from=${t.task_id}`} className="whitespace-nowrap text-sm font-medium text-brand-700 hover:underline" data-testid="task-edit-rerun">
            Edit and run again
          </Link>
        }
      />
      <form onSubmit={onSubmit} className="space-y-3 px-5 py-4">
        <TextareaField label="Follow-up prompt" rows={3} value={prompt} onChange={(e) => setPrompt(e.target.value)} placeholder="Now add a test for it" data-testid="follow-up-prompt" />
        {submit.isError ? (
          <Alert tone="error" testId="follow-up-error">
            {errorMessage(submit.error)}
          </Alert>
        ) : null}
        <Button type="submit" disabled={submit.isPending || !prompt.trim()} data-testid="follow-up-submit">
          {submit.isPending ? "Submitting…" : "Continue"}
        </Button>
      </form>
    </Card>
  );
}

/** Where the task came from: its project and board card, each a link back. */
export function TaskOrigin({ task: t, canReadProjects }: { task: Task; canReadProjects: boolean }) {
  const project = useProjectQuery(t.project_id ?? "", canReadProjects);
  const card = useBoardTaskQuery(t.board_task_id, canReadProjects);
  if (!t.project_id || !canReadProjects) return null;
  const p = project.data;
  const c = card.data;
  return (
    <div className="flex flex-wrap items-center gap-x-2 text-sm text-slate-600" data-testid="task-origin">
      <span>From</span>
      <Link href={`/projects/${t.project_id}`} className="font-medium text-brand-700 hover:underline" data-testid="task-project-link">
        {p ? `${p.key} · ${p.name}` : "its project"}
      </Link>
      {t.board_task_id ? (
        <>
          <span aria-hidden>›</span>
          <Link href={`/projects/${t.project_id}${c ? `#card-${c.key}` : ""}`} className="font-medium text-brand-700 hover:underline" data-testid="task-card-link">
            {c ? `${c.key}: ${c.title}` : "its card"}
          </Link>
        </>
      ) : null}
    </div>
  );
}
