"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { Skeleton } from "@/components/ui/skeleton";
import { SelectField, TextareaField } from "@/components/ui/field";
import { errorMessage } from "@/lib/client/api";
import { parseContext } from "@/lib/client/json-context";
import { useAllProjectsQuery } from "@/lib/client/hooks/use-projects";
import { useSubmitTaskMutation, useTaskQuery } from "@/lib/client/hooks/use-tasks";
import { AgentPicker } from "./agent-picker";
import { SkillsPicker } from "./skills-picker";

interface Initial {
  agent: string;
  prompt: string;
  project: string;
  skills: string[];
  context: string;
}

/** The submit form, prefilled from the URL (?agent=&prompt=&project=) or, "edit and run again", from a task (?from=<id>). */
export function SubmitTaskForm({ canReadProjects }: { canReadProjects: boolean }) {
  const params = useSearchParams();
  const from = params.get("from");
  if (from) return <FromTask taskId={from} canReadProjects={canReadProjects} />;
  return <Form canReadProjects={canReadProjects} initial={{ agent: params.get("agent") ?? "", prompt: params.get("prompt") ?? "", project: params.get("project") ?? "", skills: [], context: "" }} />;
}

function FromTask({ taskId, canReadProjects }: { taskId: string; canReadProjects: boolean }) {
  const task = useTaskQuery(taskId);
  if (task.isPending) return <Skeleton className="h-96 w-full" />;
  const t = task.data;
  return (
    <div className="space-y-3">
      {task.isError ? <Alert tone="error">Could not load the task to copy: {errorMessage(task.error)}</Alert> : null}
      {t ? (
        <p className="text-sm text-slate-600" data-testid="submit-from">
          A copy of task <code>{t.task_id.slice(0, 8)}</code>: change what you need and submit.
        </p>
      ) : null}
      <Form
        key={taskId}
        canReadProjects={canReadProjects}
        initial={
          t
            ? { agent: t.agent_type, prompt: t.prompt, project: t.project_id ?? "", skills: t.skills, context: Object.keys(t.context).length ? JSON.stringify(t.context, null, 2) : "" }
            : { agent: "", prompt: "", project: "", skills: [], context: "" }
        }
      />
    </div>
  );
}

function Form({ canReadProjects, initial }: { canReadProjects: boolean; initial: Initial }) {
  const router = useRouter();
  const submit = useSubmitTaskMutation();
  const projects = useAllProjectsQuery(canReadProjects);
  const [agentType, setAgentType] = useState(initial.agent);
  const [prompt, setPrompt] = useState(initial.prompt);
  const [projectId, setProjectId] = useState(initial.project);
  const [skills, setSkills] = useState<string[]>(initial.skills);
  const [contextText, setContextText] = useState(initial.context);
  const [errors, setErrors] = useState<{ agent?: string; prompt?: string; context?: string }>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const context = parseContext(contextText);
    const next = {
      agent: agentType ? undefined : "Choose an agent",
      prompt: prompt.trim() ? undefined : "Write what the agent should do",
      context: context.ok ? undefined : context.error,
    };
    setErrors(next);
    if (next.agent || next.prompt || !context.ok) return;
    const task = await submit
      .mutateAsync({ agent_type: agentType, prompt, ...(context.value ? { context: context.value } : {}), ...(projectId ? { project_id: projectId } : {}), ...(skills.length ? { skills } : {}) })
      .catch(() => null);
    if (task) router.push(`/tasks/${task.task_id}`);
  }

  return (
    <Card className="p-5">
      <form onSubmit={onSubmit} className="space-y-5" data-testid="submit-form" noValidate>
        <div>
          <AgentPicker value={agentType} onChange={setAgentType} />
          {errors.agent ? <p className="mt-1 text-sm text-red-600">{errors.agent}</p> : null}
        </div>
        <TextareaField
          label="Prompt"
          name="prompt"
          rows={6}
          value={prompt}
          onChange={(e) => setPrompt(e.target.value)}
          error={errors.prompt}
          placeholder="Fix the failing test in lib/parser and explain the cause"
          data-testid="submit-prompt"
        />
        {canReadProjects ? (
          <SelectField label="Project (optional)" name="project_id" value={projectId} onChange={(e) => setProjectId(e.target.value)} hint="CLI agents work in the project's local checkout." data-testid="submit-project">
            <option value="">No project</option>
            {projects.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.key} · {p.name}
              </option>
            ))}
          </SelectField>
        ) : null}
        <SkillsPicker value={skills} onChange={setSkills} />
        <TextareaField
          label="Context (optional JSON object)"
          name="context"
          rows={4}
          value={contextText}
          onChange={(e) => {
            setContextText(e.target.value);
            if (errors.context) setErrors((prev) => ({ ...prev, context: undefined }));
          }}
          onBlur={() => {
            const result = parseContext(contextText);
            setErrors((prev) => ({ ...prev, context: result.ok ? undefined : result.error }));
          }}
          error={errors.context}
          hint='Extra data for the agent, e.g. {"branch": "main"}'
          className="font-mono text-xs"
          data-testid="submit-context"
        />
        {/* Next to the button that was pressed, where the person is looking. */}
        {submit.isError ? (
          <Alert tone="error" testId="submit-error">
            {errorMessage(submit.error)}
          </Alert>
        ) : null}
        <div className="flex justify-end gap-2">
          <Button type="button" variant="ghost" onClick={() => router.back()}>
            Cancel
          </Button>
          <Button type="submit" disabled={submit.isPending} data-testid="submit-task">
            {submit.isPending ? "Submitting…" : "Submit task"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
