import type { Metadata } from "next";
import { Suspense } from "react";
import { AuditBrowser } from "@/components/admin/audit-browser";
import { SkeletonRows } from "@/components/ui/skeleton";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Audit · Admin" };

export default async function AdminAuditPage() {
  await requirePageContext("admin:system", "/admin/audit");
  return (
    <Suspense fallback={<SkeletonRows rows={8} />}>
      <AuditBrowser />
    </Suspense>
  );
}
