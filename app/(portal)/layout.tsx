import Link from "next/link";
import type { ReactNode } from "react";
import { NAV_ITEMS } from "@/components/shell/nav-items";
import { PortalNav } from "@/components/shell/portal-nav";
import { Shortcuts } from "@/components/shell/shortcuts";
import { ThemeToggle } from "@/components/shell/theme-toggle";
import { UserMenu } from "@/components/shell/user-menu";
import { requirePageContext } from "@/lib/security/page-context";

export default async function PortalLayout({ children }: { children: ReactNode }) {
  const ctx = await requirePageContext();
  const items = NAV_ITEMS.filter((item) => !item.permission || ctx.permissions.has(item.permission));
  return (
    <div className="min-h-screen">
      <a href="#main" className="sr-only z-50 rounded-md bg-white px-3 py-2 text-sm font-medium text-brand-700 shadow focus:not-sr-only focus:fixed focus:left-2 focus:top-2">
        Skip to content
      </a>
      <header className="sticky top-0 z-10 border-b border-slate-200 bg-white/90 backdrop-blur">
        <div className="mx-auto flex h-14 max-w-7xl items-center justify-between px-4">
          <Link href="/" className="flex items-center gap-2 font-semibold text-slate-900">
            <span className="flex h-7 w-7 items-center justify-center rounded-md bg-brand-600 text-sm text-white" aria-hidden>
              ⌘
            </span>
            coderClawLink
          </Link>
          <div className="flex items-center gap-1">
            <ThemeToggle />
            <UserMenu name={ctx.user.name} email={ctx.user.email} role={ctx.user.role} />
          </div>
        </div>
      </header>
      <div className="mx-auto flex max-w-7xl flex-col gap-6 px-4 py-6 md:flex-row">
        <aside className="md:w-48 md:shrink-0">
          <PortalNav items={items} isAdmin={ctx.permissions.has("admin:users")} canViewTasks={ctx.permissions.has("task:view")} />
        </aside>
        <main id="main" tabIndex={-1} className="min-w-0 flex-1 focus:outline-none">
          {children}
        </main>
      </div>
      <Shortcuts canSubmit={ctx.permissions.has("task:submit")} />
    </div>
  );
}
