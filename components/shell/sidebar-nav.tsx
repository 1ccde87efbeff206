"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { NavItem } from "./nav-items";

export function SidebarNav({ items, badges = {} }: { items: NavItem[]; badges?: Record<string, { count: number; label: string }> }) {
  const pathname = usePathname();
  return (
    <nav aria-label="Main" className="flex gap-1 overflow-x-auto md:flex-col">
      {items.map((item) => {
        const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
        const badge = badges[item.href];
        return (
          <Link
            key={item.href}
            href={item.href}
            aria-current={active ? "page" : undefined}
            data-testid={`nav-${item.label.toLowerCase()}`}
            className={`flex items-center justify-between whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium ${active ? "bg-brand-50 text-brand-700" : "text-slate-600 hover:bg-slate-100 hover:text-slate-900"}`}
          >
            {item.label}
            {badge ? (
              <span className="keep-colors ml-2 rounded-full bg-amber-700 px-1.5 py-0.5 text-xs font-semibold text-white" data-testid={`nav-badge-${item.label.toLowerCase()}`}>
                <span aria-hidden>{badge.count}</span>
                <span className="sr-only">{badge.label}</span>
              </span>
            ) : null}
          </Link>
        );
      })}
    </nav>
  );
}
