import { RoleBadge } from "@/components/admin/role-badge";
import { MenuDetails } from "@/components/ui/menu-details";
import { signOut } from "@/lib/security/auth";

export function UserMenu({ name, email, role }: { name: string | null; email: string; role: string }) {
  return (
    <MenuDetails className="group relative">
      <summary className="flex cursor-pointer list-none items-center gap-2 rounded-md px-2 py-1.5 hover:bg-slate-100" data-testid="user-menu" aria-label={`Account menu for ${name ?? email}`}>
        <span className="keep-colors flex h-8 w-8 items-center justify-center rounded-full bg-slate-800 text-sm font-semibold text-white" aria-hidden>
          {(name ?? email).slice(0, 1).toUpperCase()}
        </span>
        <span className="hidden text-left sm:block">
          <span className="block text-sm font-medium leading-tight text-slate-900">{name ?? email}</span>
          <span className="mt-0.5 block">
            <RoleBadge role={role} testId="user-role" />
          </span>
        </span>
      </summary>
      <div className="absolute right-0 z-20 mt-1 w-56 rounded-md border border-slate-200 bg-white p-1 shadow-lg">
        <p className="truncate px-3 py-2 text-xs text-slate-500">{email}</p>
        <a href="/account" className="block rounded px-3 py-2 text-sm text-slate-700 hover:bg-slate-100">
          Account &amp; tokens
        </a>
        <form
          action={async () => {
            "use server";
            await signOut({ redirectTo: "/signin" });
          }}
        >
          <button type="submit" className="w-full rounded px-3 py-2 text-left text-sm text-slate-700 hover:bg-slate-100" data-testid="sign-out">
            Sign out
          </button>
        </form>
      </div>
    </MenuDetails>
  );
}
