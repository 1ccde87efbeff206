"use client";

import { Alert } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative, shortId } from "@/lib/client/format";
import { useEndSessionMutation, useMyDevicesQuery, useMySessionsQuery, useRevokeMyDeviceMutation } from "@/lib/client/hooks/use-account";
import { TrustBadge } from "./trust-badge";

export function SessionsPanel() {
  const sessions = useMySessionsQuery();
  const end = useEndSessionMutation();
  return (
    <Card data-testid="sessions-panel">
      <CardHeader title="Runtime sessions" description="Opened by API clients with POST /api/runtime/sessions; idle sessions expire after 24 h." />
      <div className="space-y-3 p-5">
        <QueryState query={sessions} isEmpty={sessions.data?.length === 0} empty={{ title: "No live sessions" }} testId="sessions">
          <Table testId="sessions-table">
            <thead>
              <tr>
                <Th>Session</Th>
                <Th>Device</Th>
                <Th>IP</Th>
                <Th>Last active</Th>
                <Th>Expires</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {sessions.data?.map((s) => (
                <Tr key={s.session_id} data-testid="session-row">
                  <Td>
                    <code className="font-mono text-xs" title={s.session_id}>
                      {shortId(s.session_id)}
                    </code>
                  </Td>
                  <Td>
                    <span className="mr-2">{s.device.name ?? s.device.device_id}</span>
                    <TrustBadge trust={s.device.trust} />
                  </Td>
                  <Td>{s.ip ?? "—"}</Td>
                  <Td>{formatRelative(s.last_active_at)}</Td>
                  <Td>{formatDateTime(s.expires_at)}</Td>
                  <Td className="text-right">
                    <Button variant="secondary" className="py-1 text-red-700" disabled={end.isPending} onClick={() => end.mutate(s.session_id)} data-testid="session-end">
                      End
                    </Button>
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </QueryState>
        {end.isError ? <Alert tone="error">{errorMessage(end.error)}</Alert> : null}
      </div>
    </Card>
  );
}

export function DevicesPanel() {
  const devices = useMyDevicesQuery();
  const revoke = useRevokeMyDeviceMutation();
  return (
    <Card data-testid="devices-panel">
      <CardHeader title="My devices" description="A new device is pending (read-only) until an administrator trusts it." />
      <div className="p-5">
        <QueryState query={devices} isEmpty={devices.data?.length === 0} empty={{ title: "No devices yet", body: "Devices appear when a client opens a runtime session." }} testId="devices">
          <Table testId="my-devices-table">
            <thead>
              <tr>
                <Th>Device</Th>
                <Th>Trust</Th>
                <Th>First seen</Th>
                <Th>Last seen</Th>
                <Th>Last IP</Th>
                <Th className="text-right">
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {devices.data?.map((d) => (
                <Tr key={d.id} data-testid="my-device-row">
                  <Td>
                    <div className="font-medium text-slate-900">{d.name ?? d.device_id}</div>
                    {d.name ? <div className="font-mono text-xs text-slate-500">{d.device_id}</div> : null}
                  </Td>
                  <Td>
                    <TrustBadge trust={d.trust} />
                  </Td>
                  <Td>{formatDateTime(d.first_seen_at)}</Td>
                  <Td>{formatRelative(d.last_seen_at)}</Td>
                  <Td>{d.last_ip ?? "—"}</Td>
                  <Td className="text-right">
                    {d.trust !== "revoked" ? (
                      <Button
                        variant="secondary"
                        className="py-1 text-red-700"
                        disabled={revoke.isPending}
                        onClick={() => {
                          if (window.confirm(`Revoke ${d.name ?? d.device_id}? Its sessions end now; only an administrator can trust it again.`)) revoke.mutate(d.id);
                        }}
                        data-testid="device-revoke"
                      >
                        Revoke
                      </Button>
                    ) : null}
                  </Td>
                </Tr>
              ))}
            </tbody>
          </Table>
        </QueryState>
      </div>
    </Card>
  );
}
