"use client";

import { type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field, SelectField, TextareaField } from "@/components/ui/field";
import { errorMessage } from "@/lib/client/api";
import { useCreateBoardTaskMutation, useDeleteBoardTaskMutation, useUpdateBoardTaskMutation, type BoardTask } from "@/lib/client/hooks/use-board";
import { BOARD_COLUMNS, type BoardStatus, type Priority } from "@/lib/client/hooks/use-projects";

const PRIORITIES: Priority[] = ["low", "medium", "high", "urgent"];

/** Create a card in a column, or edit (and delete) an existing one. */
export function BoardTaskForm({ projectId, task, status, onDone }: { projectId: string; task?: BoardTask; status?: BoardStatus; onDone: () => void }) {
  const create = useCreateBoardTaskMutation(projectId);
  const update = useUpdateBoardTaskMutation(projectId);
  const remove = useDeleteBoardTaskMutation(projectId);
  const mutation = task ? update : create;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const description = String(data.get("description") ?? "").trim();
    const input = { title: String(data.get("title")).trim(), description: description || null, priority: String(data.get("priority")) as Priority, status: String(data.get("status")) as BoardStatus };
    const ok = await (task ? update.mutateAsync({ id: task.id, ...input }) : create.mutateAsync(input)).then(() => true).catch(() => false);
    if (ok) onDone();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-3" data-testid="board-task-form">
      {mutation.isError || remove.isError ? <Alert tone="error">{errorMessage(mutation.error ?? remove.error)}</Alert> : null}
      <Field label="Title" name="title" required maxLength={500} defaultValue={task?.title} autoFocus data-testid="board-task-title" />
      <TextareaField label="Description" name="description" rows={5} defaultValue={task?.description ?? ""} data-testid="board-task-description" />
      <div className="grid gap-3 sm:grid-cols-2">
        <SelectField label="Status" name="status" defaultValue={task?.status ?? status ?? "todo"}>
          {BOARD_COLUMNS.map((c) => (
            <option key={c.status} value={c.status}>
              {c.label}
            </option>
          ))}
        </SelectField>
        <SelectField label="Priority" name="priority" defaultValue={task?.priority ?? "medium"}>
          {PRIORITIES.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </SelectField>
      </div>
      <div className="flex items-center justify-between gap-2">
        {task ? (
          <Button
            type="button"
            variant="ghost"
            className="text-red-700"
            disabled={remove.isPending}
            onClick={async () => {
              if (!window.confirm(`Delete ${task.key}?`)) return;
              const ok = await remove.mutateAsync(task.id).then(() => true).catch(() => false);
              if (ok) onDone();
            }}
            data-testid="board-task-delete"
          >
            Delete
          </Button>
        ) : (
          <span />
        )}
        <Button type="submit" disabled={mutation.isPending} data-testid="board-task-save">
          {mutation.isPending ? "Saving…" : task ? "Save" : "Add task"}
        </Button>
      </div>
    </form>
  );
}
