"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { Dialog } from "@/components/ui/dialog";

const SHORTCUTS: Array<[string, string]> = [
  ["?", "Show these shortcuts"],
  ["n", "New task"],
  ["g then t", "Go to tasks"],
  ["g then d", "Go to the dashboard"],
  ["/", "Search (tasks list, task output)"],
  ["a / d", "Approve / deny, in a focused waiting panel"],
  ["Esc", "Close a dialog or menu"],
];

const typing = (t: EventTarget | null) => t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName));

/** Single-key shortcuts (never while typing, never with Ctrl/Alt/Meta), and their help dialog. */
export function Shortcuts({ canSubmit }: { canSubmit: boolean }) {
  const router = useRouter();
  const [help, setHelp] = useState(false);
  const pendingG = useRef(0);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const afterG = Date.now() - pendingG.current < 1500;
      pendingG.current = 0;
      if (e.key === "?") setHelp(true);
      else if (e.key === "n" && canSubmit) router.push("/tasks/new");
      else if (e.key === "g") pendingG.current = Date.now();
      else if (afterG && e.key === "t") router.push("/tasks");
      else if (afterG && e.key === "d") router.push("/");
      else if (e.key === "/") {
        const search = document.querySelector<HTMLInputElement>('[data-testid="task-search"], [data-testid="output-search"]');
        if (!search) return;
        search.focus();
      } else return;
      e.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [router, canSubmit]);
  return (
    <Dialog open={help} onClose={() => setHelp(false)} title="Keyboard shortcuts" testId="shortcuts-help">
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-2 px-5 py-4 text-sm">
        {SHORTCUTS.map(([keys, what]) => (
          <div key={keys} className="contents">
            <dt>
              <kbd className="rounded border border-slate-300 bg-slate-50 px-1.5 py-0.5 font-mono text-xs">{keys}</kbd>
            </dt>
            <dd className="text-slate-700">{what}</dd>
          </div>
        ))}
      </dl>
    </Dialog>
  );
}
