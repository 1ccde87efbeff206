import { test as base, expect, request as playwrightRequest, type APIRequestContext, type Page } from "@playwright/test";
import type { Role } from "../../lib/db/schema";
import { readE2eState, type E2eServerState } from "./server";
import type { SeededUser } from "./seed";

/** Sign in through next-auth's credentials API (no UI), leaving the session cookie in the page's context. */
export async function signInAs(page: Page, baseURL: string, user: Pick<SeededUser, "email" | "password">): Promise<void> {
  const request = page.context().request;
  const { csrfToken } = await (await request.get(`${baseURL}/api/auth/csrf`)).json();
  const res = await request.post(`${baseURL}/api/auth/callback/credentials`, {
    form: { csrfToken, email: user.email, password: user.password },
    maxRedirects: 0,
  });
  expect([200, 302]).toContain(res.status());
}

type Fixtures = {
  server: E2eServerState;
  users: Record<Role, SeededUser>;
  /** A page signed in as the given role. */
  pageAs: (role: Role) => Promise<Page>;
  /** An API client signed in (browser session cookie) as the given role. */
  apiAs: (role: Role) => Promise<APIRequestContext>;
};

/** Sign an API request context in through next-auth's credentials API. */
export async function signInRequest(request: APIRequestContext, baseURL: string, user: Pick<SeededUser, "email" | "password">): Promise<void> {
  const { csrfToken } = await (await request.get(`${baseURL}/api/auth/csrf`)).json();
  const res = await request.post(`${baseURL}/api/auth/callback/credentials`, { form: { csrfToken, email: user.email, password: user.password }, maxRedirects: 0 });
  expect([200, 302]).toContain(res.status());
}

/**
 * The built-in test-echo agent registers itself lazily (on the first submit), so the agents
 * listing may not show it on a fresh server. One tiny task through the API makes sure it is there.
 */
export async function warmUpTestAgent(api: APIRequestContext): Promise<void> {
  const res = await api.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: "say: warm-up" } });
  expect(res.status()).toBe(202);
}

export const test = base.extend<Fixtures>({
  server: async ({}, use) => use(readE2eState()),
  users: async ({ server }, use) => use(server.users),
  pageAs: async ({ browser, server }, use) => {
    const opened: Page[] = [];
    await use(async (role) => {
      const context = await browser.newContext({ baseURL: server.baseURL });
      const page = await context.newPage();
      await signInAs(page, server.baseURL, server.users[role]);
      opened.push(page);
      return page;
    });
    for (const page of opened) await page.context().close();
  },
  apiAs: async ({ server }, use) => {
    const opened: APIRequestContext[] = [];
    await use(async (role) => {
      const request = await playwrightRequest.newContext({ baseURL: server.baseURL });
      await signInRequest(request, server.baseURL, server.users[role]);
      opened.push(request);
      return request;
    });
    for (const request of opened) await request.dispose();
  },
});

export { expect };
