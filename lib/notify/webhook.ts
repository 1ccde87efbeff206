/**
 * POST one JSON body to a webhook. No redirects (a 3xx cannot bounce the request to another
 * host), a short timeout, and the reply's body is never read back into our logs.
 */
export async function postWebhook(url: string, body: unknown, opts: { timeoutMs?: number; fetch?: typeof fetch } = {}): Promise<void> {
  const res = await (opts.fetch ?? fetch)(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "coderClawLink-notify" },
    body: JSON.stringify(body),
    redirect: "manual",
    signal: AbortSignal.timeout(opts.timeoutMs ?? 5_000),
  });
  await res.body?.cancel().catch(() => undefined);
  if (res.status < 200 || res.status >= 300) throw new Error(`webhook answered HTTP ${res.status}`);
}
