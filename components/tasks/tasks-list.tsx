"use client";

import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";
import { FilterSelect } from "@/components/ui/field";
import { QueryState } from "@/components/ui/query-state";
import { useUsersQuery } from "@/lib/client/hooks/use-admin";
import { useAgentsQuery } from "@/lib/client/hooks/use-agents";
import { useAllProjectsQuery } from "@/lib/client/hooks/use-projects";
import { TASK_STATES, useTasksQuery, type TaskFilter } from "@/lib/client/hooks/use-tasks";
import { TaskTable } from "./task-table";

/** The filterable, paged task list. Filters live in the URL so a view can be shared or reloaded. */
export function TasksList({ canSeeAll, canSubmit, canReadProjects }: { canSeeAll: boolean; canSubmit: boolean; canReadProjects: boolean }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filter: TaskFilter = {
    state: params.get("state") ?? undefined,
    agent_type: params.get("agent") ?? undefined,
    project_id: params.get("project") ?? undefined,
    all: canSeeAll && params.get("scope") === "all",
    user_id: (canSeeAll && params.get("user")) || undefined,
    q: params.get("q") ?? undefined,
  };
  const tasks = useTasksQuery(filter, { refetchInterval: 10_000 });
  const agents = useAgentsQuery();
  const projects = useAllProjectsQuery(canReadProjects);
  const rows = tasks.data?.pages.flatMap((p) => p.tasks) ?? [];
  const projectName = (id: string) => projects.data?.find((p) => p.id === id)?.key;
  const users = useUsersQuery({}, { enabled: canSeeAll });
  const submitterName = canSeeAll ? (id: string) => users.data?.find((u) => u.id === id)?.email : undefined;
  // The search box updates the URL once typing pauses, not on every key.
  const [search, setSearch] = useState(filter.q ?? "");

  const setParam = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`);
  };
  const filtered = Boolean(filter.state || filter.agent_type || filter.project_id || filter.q || filter.user_id);
  useEffect(() => {
    if ((filter.q ?? "") === search.trim()) return;
    const timer = setTimeout(() => setParam("q", search.trim()), 300);
    return () => clearTimeout(timer);
  });

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end gap-3" data-testid="task-filters">
        <div className="min-w-48 flex-1">
          <label htmlFor="task-search" className="block text-xs font-medium text-slate-600">
            Search prompts
          </label>
          <input
            id="task-search"
            type="search"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            placeholder="Text in the prompt…"
            className="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-1.5 text-sm shadow-sm"
            data-testid="task-search"
          />
        </div>
        <FilterSelect label="State" value={filter.state ?? ""} onChange={(e) => setParam("state", e.target.value)} data-testid="filter-state">
          <option value="">Any state</option>
          <option value="PENDING,PLANNING,RUNNING,WAITING">Active</option>
          {TASK_STATES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </FilterSelect>
        <FilterSelect label="Agent" value={filter.agent_type ?? ""} onChange={(e) => setParam("agent", e.target.value)} data-testid="filter-agent">
          <option value="">Any agent</option>
          {agents.data?.map((a) => (
            <option key={a.agent_type} value={a.agent_type}>
              {a.name}
            </option>
          ))}
        </FilterSelect>
        {canReadProjects ? (
          <FilterSelect label="Project" value={filter.project_id ?? ""} onChange={(e) => setParam("project", e.target.value)} data-testid="filter-project">
            <option value="">Any project</option>
            {projects.data?.map((p) => (
              <option key={p.id} value={p.id}>
                {p.key} · {p.name}
              </option>
            ))}
          </FilterSelect>
        ) : null}
        {canSeeAll ? (
          <FilterSelect label="Whose" value={filter.all ? "all" : ""} onChange={(e) => setParam("scope", e.target.value)} data-testid="filter-scope">
            <option value="">Mine</option>
            <option value="all">Everyone&apos;s</option>
          </FilterSelect>
        ) : null}
        {canSeeAll ? (
          <FilterSelect label="Submitted by" value={filter.user_id ?? ""} onChange={(e) => setParam("user", e.target.value)} data-testid="filter-user">
            <option value="">Anyone</option>
            {users.data?.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name ? `${u.name} (${u.email})` : u.email}
              </option>
            ))}
          </FilterSelect>
        ) : null}
        {filtered ? (
          <Button
            variant="ghost"
            onClick={() => {
              setSearch("");
              router.replace(pathname + (filter.all ? "?scope=all" : ""));
            }}
          >
            Clear filters
          </Button>
        ) : null}
      </div>
      <QueryState
        query={tasks}
        isEmpty={rows.length === 0}
        testId="tasks"
        rows={6}
        empty={{
          title: filtered ? "No tasks match these filters" : "No tasks yet",
          body: filtered ? "Try other words, or another state, agent, project or person." : "Submit a prompt to an agent and follow it live here.",
          action: canSubmit && !filtered ? (
            <Link href="/tasks/new" className="text-sm font-medium text-brand-700 hover:underline">
              Submit a task →
            </Link>
          ) : undefined,
        }}
      >
        <TaskTable tasks={rows} projectName={projectName} submitterName={filter.all || filter.user_id ? submitterName : undefined} />
        {tasks.hasNextPage ? (
          <div className="flex justify-center">
            <Button variant="secondary" onClick={() => tasks.fetchNextPage()} disabled={tasks.isFetchingNextPage} data-testid="tasks-more">
              {tasks.isFetchingNextPage ? "Loading…" : "Load more"}
            </Button>
          </div>
        ) : null}
      </QueryState>
    </div>
  );
}
