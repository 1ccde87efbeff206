"use client";

import { usePendingDevicesCount } from "@/lib/client/hooks/use-admin";
import type { NavItem } from "./nav-items";
import { SidebarNav } from "./sidebar-nav";

/** The sidebar plus live badges: admins see how many devices wait for approval. */
export function PortalNav({ items, isAdmin }: { items: NavItem[]; isAdmin: boolean }) {
  const pending = usePendingDevicesCount(isAdmin);
  return <SidebarNav items={items} badges={pending.data ? { "/admin": pending.data } : {}} />;
}
