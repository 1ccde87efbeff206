import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A loopback incoming-webhook endpoint (as Slack's): records each JSON body; `failNext` answers an error. */
export interface FakeWebhook {
  url: string;
  received: Array<Record<string, unknown>>;
  failNext: number;
  close(): Promise<void>;
}

export async function startFakeWebhook(): Promise<FakeWebhook> {
  const state: FakeWebhook = { url: "", received: [], failNext: 0, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    if (req.method === "GET" && req.url === "/__fake/received") return res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(state.received));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (state.failNext > 0) {
      state.failNext -= 1;
      res.writeHead(500).end("boom");
      return;
    }
    state.received.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>);
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/XXXX`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
