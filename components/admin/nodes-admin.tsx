"use client";

import { useState } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { OneTimeSecret } from "@/components/ui/one-time-secret";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { useCreateEnrolmentMutation, useNodeActionMutation, useNodesQuery, type RemoteNodeView } from "@/lib/client/hooks/use-nodes";

const STATUS_TONE = { pending: "amber", approved: "green", revoked: "red" } as const;

/** Admin → Nodes: remote nodes (`clawlink node`), their agents and load, and the admin's decisions. */
export function NodesAdmin() {
  const nodes = useNodesQuery();
  const act = useNodeActionMutation();
  const pending = nodes.data?.filter((n) => n.status === "pending").length ?? 0;
  return (
    <div className="space-y-4" data-testid="nodes-admin">
      <p className="text-sm text-slate-600">
        Machines running <code className="font-mono">clawlink node --portal … --name …</code> dial in here. Compare a new node&apos;s fingerprint with what it printed before approving it.
      </p>
      {pending > 0 ? (
        <p className="text-sm font-medium text-amber-700" data-testid="nodes-pending-count">
          {pending} node{pending === 1 ? "" : "s"} waiting for approval
        </p>
      ) : null}
      {act.isError ? <Alert tone="error">{errorMessage(act.error)}</Alert> : null}
      <QueryState query={nodes} isEmpty={nodes.data?.length === 0} empty={{ title: "No remote nodes", body: "Start `clawlink node --portal <this portal's URL> --name <name>` on a machine; it appears here as pending." }} testId="nodes-admin">
        <Table testId="nodes-table">
          <thead>
            <tr>
              <Th>Node</Th>
              <Th>Status</Th>
              <Th>Agents</Th>
              <Th>Running</Th>
              <Th>Last seen</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {nodes.data?.map((n) => (
              <NodeRow key={n.id} node={n} busy={act.isPending} onAction={(action) => act.mutate({ id: n.id, action })} />
            ))}
          </tbody>
        </Table>
      </QueryState>
      <EnrolmentForm />
    </div>
  );
}

function NodeRow({ node: n, busy, onAction }: { node: RemoteNodeView; busy: boolean; onAction: (action: "approve" | "revoke" | "drain" | "undrain") => void }) {
  const available = n.agents.filter((a) => a.available);
  return (
    <Tr data-testid="node-row" data-node-name={n.name} className={n.status === "pending" ? "bg-amber-50/70" : ""}>
      <Td>
        <div className="font-medium text-slate-900">{n.name}</div>
        <div className="font-mono text-xs text-slate-500" title="SHA256 fingerprint of the node's public key">
          {n.fingerprint}
        </div>
        <div className="text-xs text-slate-500">
          {n.version ? `v${n.version}` : null}
          {n.labels.length ? ` · ${n.labels.join(", ")}` : null}
        </div>
      </Td>
      <Td>
        <div className="flex flex-wrap gap-1">
          <Badge tone={STATUS_TONE[n.status]} testId="node-status">
            {n.status}
          </Badge>
          {n.status !== "revoked" ? (
            <Badge tone={n.online ? "green" : "slate"} testId="node-online">
              {n.online ? "online" : "offline"}
            </Badge>
          ) : null}
          {n.draining ? <Badge tone="purple">draining</Badge> : null}
        </div>
      </Td>
      <Td>
        <div className="max-w-[16rem] text-xs text-slate-700" title={n.agents.map((a) => `${a.agent_type}: ${a.available ? "available" : a.reason ?? "unavailable"}`).join("\n")}>
          {available.length ? available.map((a) => a.agent_type).join(", ") : <span className="text-slate-500">none available</span>}
        </div>
        {n.skills.length ? <div className="text-xs text-slate-500">{n.skills.length} skill{n.skills.length === 1 ? "" : "s"}</div> : null}
      </Td>
      <Td data-testid="node-running">
        {n.running_tasks} / {n.concurrency}
      </Td>
      <Td className="whitespace-nowrap" title={n.last_seen_at ? formatDateTime(n.last_seen_at) : undefined}>
        {n.last_seen_at ? formatRelative(n.last_seen_at) : "—"}
        {n.last_ip ? <div className="text-xs text-slate-500">{n.last_ip}</div> : null}
      </Td>
      <Td className="whitespace-nowrap text-right">
        <div className="flex justify-end gap-2">
          {n.status !== "approved" ? (
            <Button className="py-1" disabled={busy} onClick={() => onAction("approve")} data-testid="node-approve">
              Approve
            </Button>
          ) : (
            <Button variant="secondary" className="py-1" disabled={busy} onClick={() => onAction(n.draining ? "undrain" : "drain")} data-testid="node-drain">
              {n.draining ? "Resume" : "Drain"}
            </Button>
          )}
          {n.status !== "revoked" ? (
            <Button
              variant="secondary"
              className="py-1 text-red-700"
              disabled={busy}
              onClick={() => {
                if (window.confirm(`Revoke ${n.name}? It is disconnected at once and its tasks are cancelled.`)) onAction("revoke");
              }}
              data-testid="node-revoke"
            >
              Revoke
            </Button>
          ) : null}
        </div>
      </Td>
    </Tr>
  );
}

function EnrolmentForm() {
  const create = useCreateEnrolmentMutation();
  const [name, setName] = useState("");
  const [labels, setLabels] = useState("");
  return (
    <form
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate({ ...(name.trim() ? { name: name.trim() } : {}), labels: labels.split(",").map((l) => l.trim()).filter(Boolean) });
      }}
      data-testid="enrolment-form"
    >
      <h3 className="text-sm font-semibold text-slate-900">Pre-authorise a node</h3>
      <p className="text-sm text-slate-600">A one-time enrolment token: the node that first connects with it (CLAWLINK_ENROL_TOKEN=… clawlink node …) is approved at once. Valid 24 hours.</p>
      <div className="flex flex-wrap items-end gap-3">
        <Field label="Node name (optional)" value={name} onChange={(e) => setName(e.target.value)} placeholder="build-box" />
        <Field label="Labels (comma-separated)" value={labels} onChange={(e) => setLabels(e.target.value)} placeholder="gpu, linux" />
        <Button type="submit" disabled={create.isPending} data-testid="enrolment-create">
          Create token
        </Button>
      </div>
      {create.isError ? <Alert tone="error">{errorMessage(create.error)}</Alert> : null}
      {create.data ? <OneTimeSecret value={create.data.token} testId="enrolment-token" /> : null}
    </form>
  );
}
