"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextareaField } from "@/components/ui/field";
import { AgentPicker } from "@/components/tasks/agent-picker";
import { SkillsPicker } from "@/components/tasks/skills-picker";
import { errorMessage } from "@/lib/client/api";
import { useExecuteBoardTaskMutation, type BoardTask } from "@/lib/client/hooks/use-board";

/** "Execute with agent": start a runtime task from a card and open its live view. */
export function ExecuteForm({ task }: { task: BoardTask }) {
  const router = useRouter();
  const execute = useExecuteBoardTaskMutation(task.project_id);
  const [agentType, setAgentType] = useState("");
  const [prompt, setPrompt] = useState([task.title, task.description].filter(Boolean).join("\n\n"));
  const [skills, setSkills] = useState<string[]>([]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!agentType) return;
    const started = await execute.mutateAsync({ task_id: task.id, agent_type: agentType, prompt, ...(skills.length ? { skills } : {}) }).catch(() => null);
    if (started) router.push(`/tasks/${started.execution_id}`);
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" data-testid="execute-form">
      {execute.isError ? <Alert tone="error">{errorMessage(execute.error)}</Alert> : null}
      <AgentPicker value={agentType} onChange={setAgentType} name={`execute-agent-${task.id}`} />
      <TextareaField label="Prompt" rows={5} value={prompt} onChange={(e) => setPrompt(e.target.value)} required data-testid="execute-prompt" />
      <SkillsPicker value={skills} onChange={setSkills} />
      <div className="flex justify-end">
        <Button type="submit" disabled={!agentType || !prompt.trim() || execute.isPending} data-testid="execute-submit">
          {execute.isPending ? "Starting…" : "Execute"}
        </Button>
      </div>
    </form>
  );
}
