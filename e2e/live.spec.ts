import { expect, test, warmUpTestAgent } from "./support/fixtures";
import { TaskPages } from "./pages/tasks";

test.beforeEach(async ({ apiAs }) => {
  await warmUpTestAgent(await apiAs("DEVELOPER"));
});

const streamingTask = (marker: string) => ({
  prompt: marker,
  context: { steps: [{ say: `hello ${marker}\n` }, { chunks: 10, text: "line", delay_ms: 300 }, { result: `done ${marker}` }] },
});

test("the task page stays live over the WebSocket (and never opens an SSE stream)", async ({ pageAs }) => {
  const page = await pageAs("DEVELOPER");
  const tasks = new TaskPages(page);
  const sseRequests: string[] = [];
  page.on("request", (request) => {
    if (request.url().includes("/stream")) sseRequests.push(request.url());
  });
  const eventFrames: string[] = [];
  const sockets: string[] = [];
  page.on("websocket", (socket) => {
    sockets.push(socket.url());
    socket.on("framereceived", ({ payload }) => {
      if (typeof payload === "string" && payload.startsWith('{"type":"event"')) eventFrames.push(payload);
    });
  });

  const marker = `ws-${Date.now()}`;
  await tasks.submit(streamingTask(marker));
  await expect(page.getByTestId("task-detail")).toHaveAttribute("data-live-transport", "ws");
  await expect(tasks.output()).toContainText(`hello ${marker}`);
  await expect(tasks.output()).toContainText("line 1");
  await expect(tasks.output()).not.toContainText("line 10");
  await expect(tasks.output()).toContainText("line 10", { timeout: 20_000 });
  await tasks.expectState("COMPLETED");
  await expect(page.getByTestId("task-result")).toHaveText(`done ${marker}`);

  expect(sockets.filter((url) => url.endsWith("/api/runtime/ws")).length).toBeGreaterThan(0);
  expect(eventFrames.some((frame) => frame.includes(`done ${marker}`))).toBe(true);
  expect(sseRequests).toEqual([]);
});

test("without a WebSocket the task page falls back to SSE and stays live", async ({ pageAs }) => {
  const page = await pageAs("DEVELOPER");
  // As behind a proxy that does not pass upgrades: the socket closes before any frame.
  await page.routeWebSocket(/\/api\/runtime\/ws$/, (socket) => socket.close());
  const tasks = new TaskPages(page);
  const marker = `sse-${Date.now()}`;
  await tasks.submit(streamingTask(marker));
  await expect(page.getByTestId("task-detail")).toHaveAttribute("data-live-transport", "sse");
  await expect(tasks.output()).toContainText("line 1");
  await expect(tasks.output()).toContainText("line 10", { timeout: 20_000 });
  await tasks.expectState("COMPLETED");
});

test("the dashboard's running panel follows its tasks over the WebSocket", async ({ pageAs, apiAs }) => {
  const api = await apiAs("DEVELOPER");
  const page = await pageAs("DEVELOPER");
  const marker = `dash-${Date.now()}`;
  const submitted = await api.post("/api/runtime/tasks/submit", { data: { agent_type: "test-echo", prompt: `say: ${marker}; hang` } });
  expect(submitted.status()).toBe(202);
  const { task_id: taskId } = (await submitted.json()) as { task_id: string };
  await page.goto("/");
  const running = page.getByTestId("running-list");
  await expect(running.getByText(marker)).toBeVisible();
  await expect(page.getByText("Live.", { exact: true })).toBeVisible();
  expect((await api.post(`/api/runtime/tasks/${taskId}/cancel`)).status()).toBe(200);
  // The cancel's state event refreshes the panel at once (the poll is 10 s apart when live).
  await expect(running.getByText(marker)).toHaveCount(0, { timeout: 8_000 });
});

test("when the session ends while the socket is open, the page goes to sign-in instead of reconnecting", async ({ pageAs, apiAs }) => {
  const page = await pageAs("DEVELOPER");
  const tasks = new TaskPages(page);
  const taskId = await tasks.submit({ prompt: "say: parked; hang" });
  await expect(page.getByTestId("task-detail")).toHaveAttribute("data-live-transport", "ws");
  await expect(tasks.output()).toContainText("parked");
  // Ends this browser session on the server; the socket closes with 4002.
  expect((await page.request.post("/api/account/sign-out-everywhere")).status()).toBe(200);
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Ftasks%2F/, { timeout: 15_000 });
  expect((await (await apiAs("DEVELOPER")).post(`/api/runtime/tasks/${taskId}/cancel`)).status()).toBe(200);
});
