"use client";

import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { TextareaField } from "@/components/ui/field";
import { errorMessage } from "@/lib/client/api";
import { displayValue } from "@/lib/client/format";
import { useAnswerTaskMutation, type PendingQuestion } from "@/lib/client/hooks/use-tasks";

/** The prominent "the agent is waiting for you" panel: approve/deny a tool use, or answer a question. */
export function WaitPanel({ taskId, question, canAnswer }: { taskId: string; question: PendingQuestion; canAnswer: boolean }) {
  const answer = useAnswerTaskMutation(taskId);
  const [text, setText] = useState("");
  const panel = useRef<HTMLElement>(null);
  // The reason the person came: bring the panel into view and put the keyboard there (once per question).
  useEffect(() => {
    panel.current?.focus({ preventScroll: true });
    panel.current?.scrollIntoView({ block: "nearest" });
  }, [question.prompt]);

  const approval = question.kind === "approval" && canAnswer;
  function onKey(event: KeyboardEvent<HTMLElement>) {
    if (!approval || answer.isPending || event.target instanceof HTMLTextAreaElement || event.target instanceof HTMLInputElement) return;
    if (event.key === "a" || event.key === "d") {
      event.preventDefault();
      answer.mutate({ approved: event.key === "a", ...(text ? { text } : {}) });
    }
  }

  function onAnswer(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!text.trim()) return;
    answer.mutate({ answer: text });
  }

  return (
    <section
      ref={panel}
      tabIndex={-1}
      onKeyDown={onKey}
      className="rounded-lg border-2 border-amber-400 bg-amber-50 p-5 shadow-sm focus:outline-none focus-visible:ring-4 focus-visible:ring-amber-300"
      data-testid="wait-panel"
      aria-labelledby="wait-heading"
      aria-describedby={approval ? "wait-keys" : undefined}
    >
      <h2 id="wait-heading" className="text-base font-semibold text-amber-900">
        {question.kind === "approval" ? "The agent asks for your approval" : "The agent has a question"}
      </h2>
      <p className="mt-1 whitespace-pre-wrap text-sm text-amber-900" data-testid="wait-prompt">
        {question.prompt}
      </p>
      {question.tool ? (
        <div className="mt-3 rounded-md bg-white p-3 ring-1 ring-amber-200">
          <p className="text-xs font-semibold uppercase tracking-wide text-amber-800">Tool: {question.tool.name}</p>
          {question.tool.input !== undefined ? <pre className="mt-1 max-h-48 overflow-auto whitespace-pre-wrap font-mono text-xs text-slate-800">{displayValue(question.tool.input)}</pre> : null}
        </div>
      ) : null}
      {answer.isError ? (
        <div className="mt-3">
          <Alert tone="error">{errorMessage(answer.error)}</Alert>
        </div>
      ) : null}
      {!canAnswer ? (
        <p className="mt-3 text-sm text-amber-800">Your role cannot answer tasks.</p>
      ) : question.kind === "approval" ? (
        <div className="mt-4 space-y-3">
          <TextareaField label="Note (optional)" rows={2} value={text} onChange={(e) => setText(e.target.value)} />
          <p id="wait-keys" className="text-xs text-amber-900">
            Keyboard: <kbd className="rounded border border-amber-400 px-1">A</kbd> approve, <kbd className="rounded border border-amber-400 px-1">D</kbd> deny
          </p>
          <div className="flex gap-2">
            <Button onClick={() => answer.mutate({ approved: true, ...(text ? { text } : {}) })} disabled={answer.isPending} data-testid="wait-approve">
              Approve
            </Button>
            <Button variant="danger" onClick={() => answer.mutate({ approved: false, ...(text ? { text } : {}) })} disabled={answer.isPending} data-testid="wait-deny">
              Deny
            </Button>
          </div>
        </div>
      ) : (
        <form onSubmit={onAnswer} className="mt-4 space-y-3">
          {question.options?.length ? (
            <div className="flex flex-wrap gap-2">
              {question.options.map((option) => (
                <Button key={option} type="button" variant="secondary" onClick={() => answer.mutate({ answer: option })} disabled={answer.isPending} data-testid="wait-option">
                  {option}
                </Button>
              ))}
            </div>
          ) : null}
          <TextareaField label="Your answer" rows={3} value={text} onChange={(e) => setText(e.target.value)} required data-testid="wait-answer" />
          <Button type="submit" disabled={answer.isPending || !text.trim()} data-testid="wait-submit">
            {answer.isPending ? "Sending…" : "Send answer"}
          </Button>
        </form>
      )}
    </section>
  );
}
