"use client";

import { Toaster } from "@/components/ui/toast";
import { usePendingDevicesCount } from "@/lib/client/hooks/use-admin";
import { useWaitingForYou } from "@/lib/client/hooks/use-waiting";
import type { NavItem } from "./nav-items";
import { SidebarNav } from "./sidebar-nav";
import { WaitingWatcher } from "./waiting-watcher";

/** The sidebar plus live badges: tasks waiting for you, and (admins) devices waiting for approval. */
export function PortalNav({ items, isAdmin, canViewTasks }: { items: NavItem[]; isAdmin: boolean; canViewTasks: boolean }) {
  const pending = usePendingDevicesCount(isAdmin);
  const waiting = useWaitingForYou(canViewTasks);
  const badges: Record<string, { count: number; label: string }> = {};
  if (pending.data) badges["/admin"] = { count: pending.data, label: `${pending.data} devices pending` };
  if (waiting.data?.length) badges["/tasks"] = { count: waiting.data.length, label: `${waiting.data.length} waiting for you` };
  return (
    <>
      <SidebarNav items={items} badges={badges} />
      <WaitingWatcher tasks={waiting.data} />
      <Toaster />
    </>
  );
}
