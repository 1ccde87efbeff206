"use client";

import { useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { Field, SelectField } from "@/components/ui/field";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatRelative } from "@/lib/client/format";
import { ROLE_OPTIONS, useCreatePolicyMutation, useDeletePolicyMutation, usePoliciesQuery, useUpdatePolicyMutation, useUsersQuery, type Role } from "@/lib/client/hooks/use-admin";

export function PoliciesAdmin() {
  const policies = usePoliciesQuery();
  const users = useUsersQuery();
  const update = useUpdatePolicyMutation();
  const remove = useDeletePolicyMutation();
  const userLabel = (id: string | null) => users.data?.find((u) => u.id === id)?.email ?? id ?? "—";
  return (
    <div className="space-y-5" data-testid="policies-admin">
      <p className="text-sm text-slate-600">
        Policies narrow <code>agent:execute</code> and <code>skill:execute</code>. A deny always wins; once any allow rule names a target, only the subjects it names may use it. Target <code>*</code> means every agent or skill.
      </p>
      <PolicyForm />
      {update.isError || remove.isError ? <Alert tone="error">{errorMessage(update.error ?? remove.error)}</Alert> : null}
      <QueryState query={policies} isEmpty={policies.data?.length === 0} empty={{ title: "No policies", body: "Everyone may use every agent and skill their role allows." }} testId="policies">
        <Table testId="policies-table">
          <thead>
            <tr>
              <Th>Kind</Th>
              <Th>Target</Th>
              <Th>Subject</Th>
              <Th>Effect</Th>
              <Th>Created</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {policies.data?.map((p) => (
              <Tr key={p.id} data-testid="policy-row" data-target={p.target}>
                <Td>{p.kind}</Td>
                <Td>
                  <code className="font-mono text-xs">{p.target}</code>
                </Td>
                <Td>{p.subject_type === "role" ? `role ${p.subject_role}` : `user ${userLabel(p.subject_user_id)}`}</Td>
                <Td>
                  <Badge tone={p.effect === "allow" ? "green" : "red"} testId="policy-effect">
                    {p.effect}
                  </Badge>
                </Td>
                <Td>{formatRelative(p.created_at)}</Td>
                <Td className="whitespace-nowrap text-right">
                  <div className="flex justify-end gap-2">
                    <Button variant="secondary" className="py-1" disabled={update.isPending} onClick={() => update.mutate({ id: p.id, effect: p.effect === "allow" ? "deny" : "allow" })} data-testid="policy-toggle">
                      Make {p.effect === "allow" ? "deny" : "allow"}
                    </Button>
                    <Button variant="ghost" className="py-1 text-red-700" disabled={remove.isPending} onClick={() => remove.mutate(p.id)} data-testid="policy-delete">
                      Delete
                    </Button>
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

function PolicyForm() {
  const create = useCreatePolicyMutation();
  const users = useUsersQuery();
  const [subjectType, setSubjectType] = useState<"role" | "user">("role");
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const ok = await create
      .mutateAsync({
        kind: String(data.get("kind")) as "agent" | "skill",
        target: String(data.get("target")).trim(),
        subject_type: subjectType,
        ...(subjectType === "role" ? { subject_role: String(data.get("subject_role")) as Role } : { subject_user_id: String(data.get("subject_user_id")) }),
        effect: String(data.get("effect")) as "allow" | "deny",
      })
      .then(() => true)
      .catch(() => false);
    if (ok) form.reset();
  }
  return (
    <Card>
      <CardHeader title="Add a rule" />
      <form onSubmit={onSubmit} className="grid gap-3 p-5 sm:grid-cols-3 lg:grid-cols-6 lg:items-end" data-testid="policy-form">
        <SelectField label="Kind" name="kind" defaultValue="agent">
          <option value="agent">Agent</option>
          <option value="skill">Skill</option>
        </SelectField>
        <Field label="Target" name="target" required placeholder="claude-code or *" pattern="\*|[A-Za-z0-9][A-Za-z0-9._\-]{0,99}" />
        <SelectField label="Subject" name="subject_type" value={subjectType} onChange={(e) => setSubjectType(e.target.value as "role" | "user")}>
          <option value="role">A role</option>
          <option value="user">A user</option>
        </SelectField>
        {subjectType === "role" ? (
          <SelectField label="Role" name="subject_role" defaultValue="DEVELOPER">
            {ROLE_OPTIONS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </SelectField>
        ) : (
          <SelectField label="User" name="subject_user_id" required>
            {users.data?.map((u) => (
              <option key={u.id} value={u.id}>
                {u.email}
              </option>
            ))}
          </SelectField>
        )}
        <SelectField label="Effect" name="effect" defaultValue="deny">
          <option value="deny">Deny</option>
          <option value="allow">Allow</option>
        </SelectField>
        <Button type="submit" disabled={create.isPending} data-testid="policy-submit">
          Add rule
        </Button>
        {create.isError ? (
          <div className="sm:col-span-3 lg:col-span-6">
            <Alert tone="error">{errorMessage(create.error)}</Alert>
          </div>
        ) : null}
      </form>
    </Card>
  );
}
