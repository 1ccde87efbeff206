import type { Metadata } from "next";
import { NotificationDefaults } from "@/components/admin/notification-defaults";
import { UsersAdmin } from "@/components/admin/users-admin";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Users · Admin" };

export default async function AdminUsersPage() {
  const ctx = await requirePageContext("admin:users", "/admin");
  return (
    <div className="space-y-6">
      <UsersAdmin currentUserId={ctx.user.id} />
      <NotificationDefaults />
    </div>
  );
}
