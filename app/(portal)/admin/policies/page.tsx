import type { Metadata } from "next";
import { PoliciesAdmin } from "@/components/admin/policies-admin";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Policies · Admin" };

export default async function AdminPoliciesPage() {
  await requirePageContext("admin:system", "/admin/policies");
  return <PoliciesAdmin />;
}
