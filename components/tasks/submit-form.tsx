"use client";

import { useRouter, useSearchParams } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card } from "@/components/ui/card";
import { SelectField, TextareaField } from "@/components/ui/field";
import { errorMessage } from "@/lib/client/api";
import { parseContext } from "@/lib/client/json-context";
import { useAllProjectsQuery } from "@/lib/client/hooks/use-projects";
import { useSubmitTaskMutation } from "@/lib/client/hooks/use-tasks";
import { AgentPicker } from "./agent-picker";
import { SkillsPicker } from "./skills-picker";

export function SubmitTaskForm({ canReadProjects }: { canReadProjects: boolean }) {
  const router = useRouter();
  const params = useSearchParams();
  const submit = useSubmitTaskMutation();
  const projects = useAllProjectsQuery(canReadProjects);
  const [agentType, setAgentType] = useState(params.get("agent") ?? "");
  const [prompt, setPrompt] = useState(params.get("prompt") ?? "");
  const [projectId, setProjectId] = useState(params.get("project") ?? "");
  const [skills, setSkills] = useState<string[]>([]);
  const [contextText, setContextText] = useState("");
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
        {submit.isError ? (
          <Alert tone="error" testId="submit-error">
            {errorMessage(submit.error)}
          </Alert>
        ) : null}
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
