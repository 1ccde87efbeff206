"use client";

import { useState } from "react";
import { Button } from "./button";

/** Copies `text`; says "Copied" only when the clipboard took it, and says so when it did not. */
export function CopyButton({ text, testId, label = "Copy" }: { text: string; testId?: string; label?: string }) {
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
        setState(ok ? "copied" : "failed");
        setTimeout(() => setState("idle"), 2000);
      }}
    >
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed — select and copy by hand" : label}</span>
    </Button>
  );
}
