"use client";

import { usePathname, useRouter } from "next/navigation";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef } from "react";
import { showToast } from "@/components/ui/toast";
import { browserAlertsOn, titleWithCount } from "@/lib/client/hooks/use-waiting";
import { api } from "@/lib/client/api";
import { taskKeys, type Task } from "@/lib/client/hooks/use-tasks";

/**
 * Tells the person when one of their tasks starts waiting for them: the count in the tab title,
 * a toast (unless they are already on that task's page), and a system notification when they
 * opted in. Tasks already waiting when the page opened are counted but not announced again.
 */
export function WaitingWatcher({ tasks }: { tasks: Task[] | undefined }) {
  const pathname = usePathname();
  const router = useRouter();
  const qc = useQueryClient();
  const seen = useRef<Set<string> | null>(null);
  const count = tasks?.length ?? 0;

  // Next sets the title on navigation; put the count back in front of it.
  useEffect(() => {
    const apply = () => {
      const next = titleWithCount(document.title, count);
      if (next !== document.title) document.title = next;
    };
    apply();
    const observer = new MutationObserver(apply);
    const head = document.querySelector("head");
    if (head) observer.observe(head, { subtree: true, childList: true, characterData: true });
    return () => observer.disconnect();
  }, [count, pathname]);

  useEffect(() => {
    if (!tasks) return;
    const keyOf = (t: Task) => `${t.task_id}:${t.events_count}`;
    if (seen.current === null) {
      seen.current = new Set(tasks.map(keyOf));
      return;
    }
    for (const listed of tasks) {
      const key = keyOf(listed);
      if (seen.current.has(key)) continue;
      seen.current.add(key);
      // Lists do not carry the question; the task itself does.
      void qc
        .fetchQuery({ queryKey: taskKeys.detail(listed.task_id), queryFn: () => api<Task>(`/api/runtime/tasks/${listed.task_id}`), staleTime: 0 })
        .catch(() => listed)
        .then((t) => announce(t, key));
    }
    function announce(t: Task, key: string) {
      const href = `/tasks/${t.task_id}`;
      const title = t.pending_question?.kind === "approval" ? "A task asks for your approval" : "A task has a question for you";
      const body = t.pending_question?.prompt ?? t.prompt.split("\n")[0];
      if (pathname !== href) showToast({ id: key, title, body, href, action: "Answer" });
      if (browserAlertsOn() && (document.hidden || pathname !== href)) {
        const n = new Notification(title, { body, tag: key });
        n.onclick = () => {
          window.focus();
          router.push(href);
          n.close();
        };
      }
    }
  }, [tasks, pathname, router, qc]);
  return null;
}
