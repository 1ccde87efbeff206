import type { Metadata } from "next";
import { NodesAdmin } from "@/components/admin/nodes-admin";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Nodes · Admin" };

export default async function AdminNodesPage() {
  await requirePageContext("admin:system", "/admin/nodes");
  return <NodesAdmin />;
}
