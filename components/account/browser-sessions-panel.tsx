"use client";

import { signOut } from "next-auth/react";
import { Alert } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardHeader } from "@/components/ui/card";
import { QueryState } from "@/components/ui/query-state";
import { Table, Td, Th, Tr } from "@/components/ui/table";
import { errorMessage } from "@/lib/client/api";
import { formatDateTime, formatRelative } from "@/lib/client/format";
import { useBrowserSessionsQuery, useEndBrowserSessionMutation, useSignOutEverywhereMutation } from "@/lib/client/hooks/use-account";

/** Where I am signed in to the portal; sign one out, or everything at once. */
export function BrowserSessionsPanel() {
  const sessions = useBrowserSessionsQuery();
  const end = useEndBrowserSessionMutation();
  const everywhere = useSignOutEverywhereMutation();

  async function signOutEverywhere() {
    if (!window.confirm("Sign out everywhere? Every browser (this one too) and every runtime session of yours ends now. API tokens keep working.")) return;
    const done = await everywhere.mutateAsync().catch(() => null);
    if (done) await signOut({ redirectTo: "/signin" });
  }

  return (
    <Card data-testid="browser-sessions-panel">
      <CardHeader
        title="Signed in"
        description="Browsers signed in to your account. Signing one out ends it on the server: a copy of its cookie stops working too."
        action={
          <Button variant="secondary" className="text-red-700" disabled={everywhere.isPending} onClick={signOutEverywhere} data-testid="sign-out-everywhere">
            Sign out everywhere
          </Button>
        }
      />
      <div className="space-y-3 p-5">
        {everywhere.isError ? <Alert tone="error">{errorMessage(everywhere.error)}</Alert> : null}
        {end.isError ? <Alert tone="error">{errorMessage(end.error)}</Alert> : null}
        <QueryState query={sessions} isEmpty={sessions.data?.length === 0} empty={{ title: "No browser sessions" }} testId="browser-sessions">
          <Table testId="browser-sessions-table">
            <thead>
              <tr>
                <Th>Browser</Th>
                <Th>IP</Th>
                <Th>Signed in</Th>
                <Th>Last active</Th>
                <Th>
                  <span className="sr-only">Actions</span>
                </Th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {sessions.data?.map((s) => (
                <Tr key={s.id} data-testid="browser-session-row" data-current={s.current}>
                  <Td>
                    <span className="mr-2 break-words text-xs" title={s.user_agent ?? undefined}>
                      {browserLabel(s.user_agent)}
                    </span>
                    {s.current ? <Badge tone="green">this browser</Badge> : null}
                  </Td>
                  <Td>{s.ip ?? "—"}</Td>
                  <Td title={formatDateTime(s.created_at)}>{formatRelative(s.created_at)}</Td>
                  <Td>{formatRelative(s.last_seen_at)}</Td>
                  <Td className="text-right">
                    {s.current ? null : (
                      <Button variant="secondary" className="py-1 text-red-700" disabled={end.isPending} onClick={() => end.mutate(s.id)} data-testid="browser-session-end">
                        Sign out
                      </Button>
                    )}
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

/** "Firefox on Linux" from a user agent, or the raw string when it is unusual. */
function browserLabel(userAgent: string | null): string {
  if (!userAgent) return "Unknown browser";
  const browser = /Edg\//.test(userAgent) ? "Edge" : /Firefox\//.test(userAgent) ? "Firefox" : /Chrom(e|ium)\//.test(userAgent) ? "Chrome" : /Safari\//.test(userAgent) ? "Safari" : null;
  const os = /Windows/.test(userAgent) ? "Windows" : /Android/.test(userAgent) ? "Android" : /iPhone|iPad/.test(userAgent) ? "iOS" : /Mac OS X/.test(userAgent) ? "macOS" : /Linux/.test(userAgent) ? "Linux" : null;
  return browser ? `${browser}${os ? ` on ${os}` : ""}` : userAgent.slice(0, 60);
}
