"use client";

import { useDeferredValue, useState, type FormEvent } from "react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { OneTimeSecret } from "@/components/ui/one-time-secret";
import { Dialog } from "@/components/ui/dialog";
import { Field, FilterSelect, SelectField } from "@/components/ui/field";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import {
  ROLE_OPTIONS,
  useCreateInviteMutation,
  useCreatePasswordResetMutation,
  useCreateUserMutation,
  useInvitesQuery,
  useUpdateUserMutation,
  useUsersQuery,
  useWithdrawInviteMutation,
  type Role,
} from "@/lib/client/hooks/use-admin";

export function UsersAdmin({ currentUserId }: { currentUserId: string }) {
  const [q, setQ] = useState("");
  const [role, setRole] = useState("");
  const [status, setStatus] = useState("");
  const deferredQ = useDeferredValue(q);
  const users = useUsersQuery({ q: deferredQ || undefined, role: role || undefined, status: status || undefined });
  const update = useUpdateUserMutation();
  const [dialog, setDialog] = useState<"create" | "invite" | null>(null);
  const [resetFor, setResetFor] = useState<{ id: string; email: string } | null>(null);

  return (
    <div className="space-y-4" data-testid="users-admin">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="flex flex-wrap items-end gap-3">
          <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
            Search
            <input
              type="search"
              value={q}
              onChange={(e) => setQ(e.target.value)}
              placeholder="Name or email"
              className="rounded-md border border-slate-300 px-3 py-1.5 text-sm shadow-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
              data-testid="users-search"
            />
          </label>
          <FilterSelect label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
            <option value="">All roles</option>
            {ROLE_OPTIONS.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </FilterSelect>
          <FilterSelect label="Status" value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">Any status</option>
            <option value="active">Active</option>
            <option value="disabled">Disabled</option>
          </FilterSelect>
        </div>
        <div className="flex gap-2">
          <Button variant="secondary" onClick={() => setDialog("invite")} data-testid="user-invite-open">
            Invite
          </Button>
          <Button onClick={() => setDialog("create")} data-testid="user-create-open">
            Create user
          </Button>
        </div>
      </div>
      {update.isError ? <Alert tone="error">{errorMessage(update.error)}</Alert> : null}
      <QueryState query={users} isEmpty={users.data?.length === 0} empty={{ title: "No users match" }} testId="users">
        <Table testId="users-table">
          <thead>
            <tr>
              <Th>Person</Th>
              <Th>Role</Th>
              <Th>Status</Th>
              <Th>Extra grants</Th>
              <Th>Joined</Th>
              <Th>
                <span className="sr-only">Actions</span>
              </Th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {users.data?.map((u) => (
              <Tr key={u.id} data-testid="user-row" data-email={u.email}>
                <Td>
                  <div className="font-medium text-slate-900">{u.name ?? "—"}</div>
                  <div className="text-xs text-slate-500">{u.email}</div>
                </Td>
                <Td>
                  <label className="sr-only" htmlFor={`role-${u.id}`}>
                    Role of {u.email}
                  </label>
                  <select
                    id={`role-${u.id}`}
                    value={u.role}
                    disabled={update.isPending}
                    onChange={(e) => update.mutate({ id: u.id, role: e.target.value as Role })}
                    className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm focus:border-brand-500 focus:outline-none focus:ring-2 focus:ring-brand-500/30"
                    data-testid="user-role-select"
                  >
                    {ROLE_OPTIONS.map((r) => (
                      <option key={r}>{r}</option>
                    ))}
                  </select>
                </Td>
                <Td>
                  <Badge tone={u.status === "active" ? "green" : "red"} testId="user-status">
                    {u.status}
                  </Badge>
                </Td>
                <Td className="text-xs">{u.grants.length ? u.grants.join(", ") : "—"}</Td>
                <Td title={formatDateTime(u.created_at)}>{formatRelative(u.created_at)}</Td>
                <Td className="whitespace-nowrap text-right">
                  {u.id === currentUserId ? null : (
                    <Button variant="ghost" className="mr-1 py-1" onClick={() => setResetFor({ id: u.id, email: u.email })} data-testid="user-reset-password">
                      Reset password
                    </Button>
                  )}
                  {u.id === currentUserId ? (
                    <span className="text-xs text-slate-500">you</span>
                  ) : u.status === "active" ? (
                    <Button
                      variant="secondary"
                      className="py-1 text-red-700"
                      disabled={update.isPending}
                      onClick={() => {
                        if (window.confirm(`Disable ${u.email}? Their sessions end at once.`)) update.mutate({ id: u.id, disabled: true });
                      }}
                      data-testid="user-disable"
                    >
                      Disable
                    </Button>
                  ) : (
                    <Button variant="secondary" className="py-1" disabled={update.isPending} onClick={() => update.mutate({ id: u.id, disabled: false })} data-testid="user-enable">
                      Enable
                    </Button>
                  )}
                </Td>
              </Tr>
            ))}
          </tbody>
        </Table>
      </QueryState>
      <InvitesList />
      <Dialog open={dialog === "create"} onClose={() => setDialog(null)} title="Create a user" testId="user-create-dialog">
        <CreateUserForm onDone={() => setDialog(null)} />
      </Dialog>
      <Dialog open={dialog === "invite"} onClose={() => setDialog(null)} title="Invite someone" testId="user-invite-dialog">
        <InviteForm />
      </Dialog>
      <Dialog open={resetFor !== null} onClose={() => setResetFor(null)} title={`Reset the password of ${resetFor?.email ?? ""}`} testId="user-reset-dialog">
        {resetFor ? <PasswordResetForm key={resetFor.id} userId={resetFor.id} /> : null}
      </Dialog>
    </div>
  );
}

function CreateUserForm({ onDone }: { onDone: () => void }) {
  const create = useCreateUserMutation();
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const ok = await create
      .mutateAsync({ email: String(data.get("email")), name: String(data.get("name")), role: String(data.get("role")) as Role, password: String(data.get("password")) })
      .then(() => true)
      .catch(() => false);
    if (ok) onDone();
  }
  return (
    <form onSubmit={onSubmit} className="space-y-3">
      {create.isError ? <Alert tone="error">{errorMessage(create.error)}</Alert> : null}
      <Field label="Name" name="name" required maxLength={100} />
      <Field label="Email" name="email" type="email" required />
      <SelectField label="Role" name="role" defaultValue="DEVELOPER">
        {ROLE_OPTIONS.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </SelectField>
      <Field label="Initial password" name="password" type="password" required minLength={10} autoComplete="new-password" hint="At least 10 characters; they can change it later." />
      <div className="flex justify-end">
        <Button type="submit" disabled={create.isPending} data-testid="user-create-submit">
          {create.isPending ? "Creating…" : "Create user"}
        </Button>
      </div>
    </form>
  );
}

/** Issue a one-time reset link (shown once) for someone who lost their password. */
function PasswordResetForm({ userId }: { userId: string }) {
  const reset = useCreatePasswordResetMutation();
  if (reset.data)
    return (
      <div className="space-y-3" data-testid="reset-created">
        <p className="text-sm text-slate-700">
          Send this link to {reset.data.email}. It is shown only now, works once, and expires {formatRelative(reset.data.expires_at)}. When they set a new password, every session of their account ends.
        </p>
        <OneTimeSecret value={reset.data.url} testId="reset-link" warning={reset.data.link_warning} />
      </div>
    );
  return (
    <form
      className="space-y-3"
      onSubmit={(event) => {
        event.preventDefault();
        const hours = Number(new FormData(event.currentTarget).get("hours"));
        reset.mutate({ userId, expires_in_hours: hours });
      }}
    >
      {reset.isError ? <Alert tone="error">{errorMessage(reset.error)}</Alert> : null}
      <p className="text-sm text-slate-700">A one-time link lets them choose a new password. Their current password keeps working until they use it; an earlier unused link stops working.</p>
      <SelectField label="Link valid for" name="hours" defaultValue="24">
        <option value="1">1 hour</option>
        <option value="24">24 hours</option>
        <option value="72">3 days</option>
      </SelectField>
      <div className="flex justify-end">
        <Button type="submit" disabled={reset.isPending} data-testid="reset-submit">
          {reset.isPending ? "Creating…" : "Create reset link"}
        </Button>
      </div>
    </form>
  );
}

function InviteForm() {
  const invite = useCreateInviteMutation();
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const email = String(data.get("email") ?? "").trim();
    await invite.mutateAsync({ role: String(data.get("role")) as Role, expires_in_days: Number(data.get("days")), ...(email ? { email } : {}) }).catch(() => null);
  }
  if (invite.data)
    return (
      <div className="space-y-3" data-testid="invite-created">
        <p className="text-sm text-slate-700">Send this link to the person you invited. It is shown only now and works once.</p>
        <OneTimeSecret value={invite.data.url} testId="invite-link" warning={invite.data.link_warning} />
      </div>
    );
  return (
    <form onSubmit={onSubmit} className="space-y-3">
      {invite.isError ? <Alert tone="error">{errorMessage(invite.error)}</Alert> : null}
      <Field label="Email (optional)" name="email" type="email" hint="Leave empty to let them choose." />
      <SelectField label="Role" name="role" defaultValue="DEVELOPER">
        {ROLE_OPTIONS.map((r) => (
          <option key={r}>{r}</option>
        ))}
      </SelectField>
      <SelectField label="Link valid for" name="days" defaultValue="7">
        <option value="1">1 day</option>
        <option value="7">7 days</option>
        <option value="30">30 days</option>
      </SelectField>
      <div className="flex justify-end">
        <Button type="submit" disabled={invite.isPending} data-testid="invite-submit">
          {invite.isPending ? "Creating…" : "Create invite link"}
        </Button>
      </div>
    </form>
  );
}

function InvitesList() {
  const invites = useInvitesQuery();
  const withdraw = useWithdrawInviteMutation();
  const pending = invites.data?.filter((i) => i.status === "pending") ?? [];
  if (invites.isSuccess && pending.length === 0) return null;
  return (
    <section className="space-y-2" aria-labelledby="invites-heading">
      <h2 id="invites-heading" className="text-sm font-semibold text-slate-700">
        Pending invites
      </h2>
      <QueryState query={invites} testId="invites" rows={2}>
        <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white">
          {pending.map((i) => (
            <li key={i.id} className="flex items-center justify-between gap-3 px-4 py-2 text-sm" data-testid="invite-row">
              <span>
                {i.email ?? "anyone with the link"} · <span className="font-medium">{i.role}</span> · expires {formatRelative(i.expires_at)}
              </span>
              <Button variant="ghost" className="py-1 text-red-700" disabled={withdraw.isPending} onClick={() => withdraw.mutate(i.id)}>
                Withdraw
              </Button>
            </li>
          ))}
        </ul>
      </QueryState>
    </section>
  );
}
