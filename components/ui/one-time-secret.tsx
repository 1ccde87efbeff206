"use client";

import { useId } from "react";
import { Alert } from "./alert";
import { CopyButton } from "./copy-button";

/**
 * A secret or one-time link shown once: the text (selectable), a copy button that falls back to
 * selecting it, and the server's warning when the link may not open for its recipient.
 */
export function OneTimeSecret({ value, testId, warning }: { value: string; testId: string; warning?: string | null }) {
  const id = useId();
  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-2">
        <code id={id} className="min-w-0 flex-1 break-all rounded bg-white px-2 py-1.5 font-mono text-xs ring-1 ring-slate-200" data-testid={testId}>
          {value}
        </code>
        <CopyButton text={value} selectId={id} testId={`${testId}-copy`} />
      </div>
      {warning ? (
        <Alert tone="warning" testId={`${testId}-warning`}>
          {warning}
        </Alert>
      ) : null}
    </div>
  );
}
