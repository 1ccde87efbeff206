"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { CopyButton } from "@/components/ui/copy-button";
import { Field, SelectField } from "@/components/ui/field";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { useCreateTokenMutation, useRevokeTokenMutation, useTokensQuery, type CreatedToken } from "@/lib/client/hooks/use-account";

const STATUS_TONE = { active: "green", expired: "slate", revoked: "red" } as const;

export function TokensPanel() {
  const tokens = useTokensQuery();
  const create = useCreateTokenMutation();
  const revoke = useRevokeTokenMutation();
  const [created, setCreated] = useState<CreatedToken | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const days = Number(data.get("expires_in_days"));
    const token = await create.mutateAsync({ name: String(data.get("name")), ...(days > 0 ? { expires_in_days: days } : {}) }).catch(() => null);
    if (token) {
      setCreated(token);
      form.reset();
    }
  }

  return (
    <Card data-testid="tokens-panel">
      <CardHeader title="API tokens" description="For scripts, the clawlink CLI and gateways. Send as Authorization: Bearer …" />
      <div className="space-y-4 p-5">
        <form onSubmit={onSubmit} className="grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-end" data-testid="token-create-form">
          <Field label="Token name" name="name" required maxLength={100} placeholder="ci-deploy" />
          <SelectField label="Expires" name="expires_in_days" defaultValue="90">
            <option value="7">in 7 days</option>
            <option value="30">in 30 days</option>
            <option value="90">in 90 days</option>
            <option value="365">in a year</option>
            <option value="0">never</option>
          </SelectField>
          <Button type="submit" disabled={create.isPending} data-testid="token-create">
            {create.isPending ? "Creating…" : "Create token"}
          </Button>
        </form>
        {create.isError ? <Alert tone="error">{errorMessage(create.error)}</Alert> : null}
        {created ? (
          <div className="space-y-2 rounded-md border border-emerald-200 bg-emerald-50 p-3" data-testid="token-created">
            <p className="text-sm font-medium text-emerald-900">
              Token “{created.name}” created. Copy it now: it will not be shown again.
            </p>
            <div className="flex flex-wrap items-center gap-2">
              <code id="created-token-secret" className="min-w-0 flex-1 break-all rounded bg-white px-2 py-1.5 font-mono text-xs ring-1 ring-emerald-200" data-testid="token-secret">
                {created.token}
              </code>
              <CopyButton text={created.token} selectId="created-token-secret" />
              <Button variant="ghost" onClick={() => setCreated(null)}>
                Done
              </Button>
            </div>
          </div>
        ) : null}
        <QueryState query={tokens} isEmpty={tokens.data?.length === 0} empty={{ title: "No API tokens yet", body: "Create one above to call the API from scripts." }} testId="tokens">
          <Table testId="tokens-table">
            <thead>
              <tr>
                <Th>Name</Th>
                <Th>Prefix</Th>
                <Th>Status</Th>
                <Th>Created</Th>
                <Th>Last used</Th>
                <Th>Expires</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {tokens.data?.map((t) => (
                <Tr key={t.id} data-testid="token-row" data-token-name={t.name}>
                  <Td className="font-medium text-slate-900">{t.name}</Td>
                  <Td>
                    <code className="font-mono text-xs">{t.prefix}…</code>
                  </Td>
                  <Td>
                    <Badge tone={STATUS_TONE[t.status]} testId="token-status">
                      {t.status}
                    </Badge>
                  </Td>
                  <Td title={formatDateTime(t.created_at)}>{formatRelative(t.created_at)}</Td>
                  <Td>{t.last_used_at ? formatRelative(t.last_used_at) : "never"}</Td>
                  <Td>{t.expires_at ? formatDateTime(t.expires_at) : "never"}</Td>
                  <Td className="text-right">
                    {t.status === "active" ? (
                      <Button
                        variant="secondary"
                        className="py-1 text-red-700"
                        disabled={revoke.isPending && revoke.variables === t.id}
                        onClick={() => {
                          if (window.confirm(`Revoke “${t.name}”? Anything using it stops working at once.`)) revoke.mutate(t.id);
                        }}
                        data-testid="token-revoke"
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
        {revoke.isError ? <Alert tone="error">{errorMessage(revoke.error)}</Alert> : null}
      </div>
    </Card>
  );
}
