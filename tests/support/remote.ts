import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { DatabaseHandle } from "../../lib/db/client";
import { generateNodeKeyPair, type NodeKeyPair } from "../../lib/remote/keys";
import { NodeClient, type NodeClientEvent, type NodeClientOptions } from "../../lib/remote/node/client";
import { AgentHost } from "../../lib/remote/node/host";
import { attachClawlink, type AttachedClawlink, type RemoteHubOptions } from "../../lib/remote/portal/hub";
import { startRouteNode } from "./route-node";

/** Short enough for tests, long enough for a loaded 2-core machine. */
export const REMOTE_FAST: Partial<RemoteHubOptions> = { leaseMs: 4_000, heartbeatMs: 300, pollMs: 500, sweepMs: 250, handshakeMs: 5_000 };

export interface TestPortal {
  /** http://127.0.0.1:port: the API and, on the same port, clawlink v1. */
  url: string;
  clawlink: AttachedClawlink;
  close(): Promise<void>;
}

/** A portal for remote-node tests: the real HTTP API and the clawlink endpoint on one node:http server. */
export async function startPortal(handle: DatabaseHandle, options: Partial<RemoteHubOptions> = {}): Promise<TestPortal> {
  const node = await startRouteNode();
  const clawlink = attachClawlink(node.server, { handle, ...REMOTE_FAST, ...options });
  return {
    url: node.url,
    clawlink,
    async close() {
      await clawlink.close();
      await node.close();
    },
  };
}

export interface TestNode {
  client: NodeClient;
  keys: NodeKeyPair;
  events: NodeClientEvent[];
  dataDir: string;
  /** Resolves when the client stops for good (refused/revoked: with the close code). */
  done: Promise<{ code: number; message: string } | null>;
  stop(): Promise<void>;
}

/** An in-process `clawlink node` client over a real socket. */
export async function startNode(portalUrl: string | string[], options: Partial<NodeClientOptions> & { name: string }): Promise<TestNode> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "clawlink-node-"));
  const keys = options.keys ?? generateNodeKeyPair();
  const events: NodeClientEvent[] = [];
  const client = new NodeClient({
    portal: portalUrl,
    labels: [],
    concurrency: 2,
    version: "0.2.0-test",
    host: new AgentHost({ dataDir }),
    backoff: { initialMs: 100, maxMs: 500 },
    pingEveryMs: 2_000,
    ...options,
    keys,
    onEvent: (event) => {
      events.push(event);
      options.onEvent?.(event);
    },
  });
  const done = client.start();
  return {
    client,
    keys,
    events,
    dataDir,
    done,
    async stop() {
      await client.stop(500);
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
