import Link from "next/link";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { formatDateTime, formatDuration, formatRelative, shortId } from "@/lib/client/format";
import type { Task } from "@/lib/client/hooks/use-tasks";
import { StateBadge } from "./state-badge";

export function TaskTable({
  tasks,
  projectName,
  submitterName,
  testId = "tasks-table",
}: {
  tasks: Task[];
  projectName?: (id: string) => string | undefined;
  /** Given (admins looking at everyone's tasks): a Submitted by column. */
  submitterName?: (id: string) => string | undefined;
  testId?: string;
}) {
  return (
    <Table testId={testId}>
      <thead>
        <tr>
          <Th>Task</Th>
          <Th>State</Th>
          <Th>Agent</Th>
          {submitterName ? <Th className="hidden sm:table-cell">Submitted by</Th> : null}
          <Th className="hidden md:table-cell">Project</Th>
          <Th>Submitted</Th>
          <Th className="hidden sm:table-cell">Duration</Th>
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100">
        {tasks.map((t) => (
          <Tr key={t.task_id} data-testid="task-row" data-task-id={t.task_id}>
            <Td className="max-w-md">
              <Link href={`/tasks/${t.task_id}`} className="block font-medium text-brand-700 hover:underline" data-testid="task-link">
                <span className="line-clamp-1 break-all">{t.prompt.split("\n")[0] || "(empty prompt)"}</span>
              </Link>
              <span className="font-mono text-xs text-slate-500">{shortId(t.task_id)}</span>
            </Td>
            <Td>
              <StateBadge state={t.state} />
            </Td>
            <Td>
              <code className="text-xs">{t.agent_type}</code>
            </Td>
            {submitterName ? (
              <Td className="hidden max-w-48 truncate sm:table-cell" data-testid="task-submitter">
                {submitterName(t.user_id) ?? shortId(t.user_id)}
              </Td>
            ) : null}
            <Td className="hidden md:table-cell">{t.project_id ? (projectName?.(t.project_id) ?? shortId(t.project_id)) : "—"}</Td>
            <Td title={formatDateTime(t.created_at)} className="whitespace-nowrap">
              {formatRelative(t.created_at)}
            </Td>
            <Td className="hidden whitespace-nowrap sm:table-cell">{formatDuration(t.execution_time)}</Td>
          </Tr>
        ))}
      </tbody>
    </Table>
  );
}
