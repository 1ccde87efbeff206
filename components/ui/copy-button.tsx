"use client";

import { useState } from "react";
import { Button } from "./button";

/**
 * Copies `text`; says "Copied" only when the clipboard took it. When it did not (no clipboard
 * API, an insecure origin, a denied permission), the element `selectId` names is selected instead,
 * so Ctrl+C / ⌘C copies it, and the button says so.
 */
export function CopyButton({ text, testId, label = "Copy", selectId }: { text: string; testId?: string; label?: string; selectId?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <Button
      type="button"
      variant="secondary"
      data-testid={testId}
      data-state={state}
      onClick={async () => {
        let ok = false;
        try {
          if (!navigator.clipboard) throw new Error("no clipboard");
          await navigator.clipboard.writeText(text);
          ok = true;
        } catch {
          ok = false;
        }
        if (!ok) selectText(selectId);
        setState(ok ? "copied" : "failed");
        setTimeout(() => setState("idle"), ok ? 2000 : 6000);
      }}
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? (selectId ? "Selected — press Ctrl+C to copy" : "Copy failed — select and copy by hand") : label}</span>
    </Button>
  );
}

/** Select the whole text of the element with this id; false when there is none. */
function selectText(id: string | undefined): boolean {
  const element = id ? document.getElementById(id) : null;
  const selection = window.getSelection();
  if (!element || !selection) return false;
  selection.removeAllRanges();
  const range = document.createRange();
  range.selectNodeContents(element);
  selection.addRange(range);
  return true;
}
