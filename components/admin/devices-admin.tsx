"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FilterSelect } from "@/components/ui/field";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { TrustBadge } from "@/components/account/trust-badge";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import type { DeviceTrust } from "@/lib/client/hooks/use-account";
import { useDecideDeviceMutation, useDevicesQuery } from "@/lib/client/hooks/use-admin";

export function DevicesAdmin() {
  const [trust, setTrust] = useState<DeviceTrust | "">("");
  const devices = useDevicesQuery(trust || undefined);
  const decide = useDecideDeviceMutation();
  const pending = devices.data?.pending_count ?? 0;
  return (
    <div className="space-y-4" data-testid="devices-admin">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <FilterSelect label="Trust" value={trust} onChange={(e) => setTrust(e.target.value as DeviceTrust | "")} data-testid="devices-trust-filter">
          <option value="">All devices</option>
          <option value="pending">Pending</option>
          <option value="trusted">Trusted</option>
          <option value="revoked">Revoked</option>
        </FilterSelect>
        {pending > 0 ? (
          <p className="text-sm font-medium text-amber-700" data-testid="devices-pending-count">
            {pending} device{pending === 1 ? "" : "s"} waiting for approval
          </p>
        ) : null}
      </div>
      {decide.isError ? <Alert tone="error">{errorMessage(decide.error)}</Alert> : null}
      <QueryState query={devices} isEmpty={devices.data?.devices.length === 0} empty={{ title: "No devices", body: "Devices appear when API clients open runtime sessions." }} testId="devices-admin">
        <Table testId="devices-table">
          <thead>
            <tr>
              <Th>Device</Th>
              <Th>Owner</Th>
              <Th>Trust</Th>
              <Th>First seen</Th>
              <Th>Last seen</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {devices.data?.devices.map((d) => (
              <Tr key={d.id} data-testid="device-row" data-device-id={d.device_id} className={d.trust === "pending" ? "bg-amber-50/70" : ""}>
                <Td>
                  <div className="font-medium text-slate-900">{d.name ?? d.device_id}</div>
                  <div className="font-mono text-xs text-slate-500">{d.device_id}</div>
                  {d.user_agent ? <div className="max-w-[14rem] truncate text-xs text-slate-500" title={d.user_agent}>{d.user_agent}</div> : null}
                </Td>
                <Td>
                  <div>{d.user_name ?? "—"}</div>
                  <div className="text-xs text-slate-500">{d.user_email}</div>
                </Td>
                <Td>
                  <TrustBadge trust={d.trust} />
                </Td>
                <Td className="whitespace-nowrap" title={formatDateTime(d.first_seen_at)}>
                  {formatRelative(d.first_seen_at)}
                </Td>
                <Td className="whitespace-nowrap">
                  {formatRelative(d.last_seen_at)}
                  {d.last_ip ? <div className="text-xs text-slate-500">{d.last_ip}</div> : null}
                </Td>
                <Td className="whitespace-nowrap text-right">
                  <div className="flex justify-end gap-2">
                    {d.trust !== "trusted" ? (
                      <Button className="py-1" disabled={decide.isPending} onClick={() => decide.mutate({ id: d.id, decision: "approve" })} data-testid="device-approve">
                        Approve
                      </Button>
                    ) : null}
                    {d.trust !== "revoked" ? (
                      <Button
                        variant="secondary"
                        className="py-1 text-red-700"
                        disabled={decide.isPending}
                        onClick={() => {
                          if (window.confirm("Revoke this device? Its sessions end at once.")) decide.mutate({ id: d.id, decision: "revoke" });
                        }}
                        data-testid="device-revoke"
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </div>
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      </QueryState>
    </div>
  );
}
