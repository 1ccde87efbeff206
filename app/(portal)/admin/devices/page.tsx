import type { Metadata } from "next";
import { DevicesAdmin } from "@/components/admin/devices-admin";
import { requirePageContext } from "@/lib/security/page-context";

export const metadata: Metadata = { title: "Devices · Admin" };

export default async function AdminDevicesPage() {
  await requirePageContext("admin:users", "/admin/devices");
  return <DevicesAdmin />;
}
