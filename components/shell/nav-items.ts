import type { Permission } from "@/lib/security/permissions";

export interface NavItem {
  href: string;
  label: string;
  /** Shown only to people holding this permission; the page itself checks it too. */
  permission?: Permission;
}

export const NAV_ITEMS: NavItem[] = [
  { href: "/", label: "Dashboard" },
  { href: "/tasks", label: "Tasks", permission: "task:view" },
  { href: "/projects", label: "Projects", permission: "project:read" },
  { href: "/agents", label: "Agents", permission: "agent:list" },
  { href: "/skills", label: "Skills", permission: "skill:list" },
  { href: "/account", label: "Account" },
  { href: "/admin", label: "Admin", permission: "admin:users" },
];
