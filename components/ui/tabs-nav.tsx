"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** Section tabs as real links, so each tab has its own URL and works without JavaScript. */
export function TabsNav({ tabs, label }: { tabs: { href: string; label: string; badge?: number }[]; label: string }) {
  const pathname = usePathname();
  return (
    <nav aria-label={label} className="flex gap-1 overflow-x-auto border-b border-slate-200">
      {tabs.map((tab) => {
        const active = pathname === tab.href;
        return (
          <Link
            key={tab.href}
            href={tab.href}
            aria-current={active ? "page" : undefined}
            data-testid={`tab-${tab.label.toLowerCase()}`}
            className={`-mb-px whitespace-nowrap border-b-2 px-3 py-2 text-sm font-medium ${active ? "border-brand-600 text-brand-700" : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"}`}
          >
            {tab.label}
            {tab.badge ? <span className="ml-1.5 rounded-full bg-amber-500 px-1.5 py-0.5 text-xs font-semibold text-white">{tab.badge}</span> : null}
          </Link>
        );
      })}
    </nav>
  );
}
