import path from "node:path";
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { fingerprintOf } from "../../remote/keys";
import { NodeClient, type NodeClientEvent } from "../../remote/node/client";
import { AgentHost } from "../../remote/node/host";
import { loadOrCreateNodeKeys } from "../../remote/node/identity";
import { labelSchema, nodeNameSchema } from "../../remote/protocol";
import { action } from "../command";
import { configDir, normaliseUrl } from "../config";
import { CliError, EXIT, usageError } from "../exit-codes";

interface NodeOptions {
  portal: string[];
  name: string;
  label: string[];
  concurrency: number;
  enrol?: boolean;
  skillsDir?: string;
  dataDir?: string;
  json?: boolean;
}

const VERSION = "0.2.0";

function positive(value: string): number {
  const n = Number.parseInt(value, 10);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new InvalidArgumentError("a whole number from 1 to 256");
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `clawlink node --portal <url> --name <name>`: this machine becomes a remote node. It dials out to
 * the portal (no inbound port, no database credentials), pairs with its own key pair, advertises
 * the agents it can run, and runs what the portal assigns until Ctrl-C.
 */
export function registerNode(program: Command): void {
  program
    .command("node")
    .description("Run tasks for a portal on this machine: dials out over clawlink v1, pairs with a key pair, runs what it is assigned")
    .requiredOption("--portal <url>", "the portal, e.g. https://portal.example.com (repeat for the nodes of a cluster: reconnects go round them)", collect, [])
    .requiredOption("--name <name>", "this node's name, as admins see it and tasks target it")
    .option("--label <label>", "a label tasks can target (repeat for more)", collect, [])
    .option("--concurrency <n>", "tasks this node runs at once", positive, 2)
    .option("--enrol", "read a one-time enrolment token (made in the portal) from standard input; or set CLAWLINK_ENROL_TOKEN")
    .option("--skills-dir <dir>", "Agent Skills folders this node offers (default: SKILLS_DIR, if set)")
    .option("--data-dir <dir>", "where task workspaces go (default: <config folder>/node)")
    .action(
      action<NodeOptions, []>(async ({ options, out, prompter }) => {
        if (options.portal.length === 0) throw usageError("--portal <url> is required");
        const portals = options.portal.map(normaliseUrl);
        const name = nodeNameSchema.safeParse(options.name);
        if (!name.success) throw usageError(`--name: ${name.error.issues[0].message}`);
        for (const label of options.label) if (!labelSchema.safeParse(label).success) throw usageError(`--label ${label}: 1–63 letters, digits, '.', '_', ':' or '-'`);
        let enrolmentToken = process.env.CLAWLINK_ENROL_TOKEN?.trim() || undefined;
        if (options.enrol && !enrolmentToken) enrolmentToken = (await prompter().secret("Enrolment token:"))?.trim() || undefined;

        const { keys, file, created } = loadOrCreateNodeKeys(configDir());
        out.note(`${created ? "Made a key pair" : "Key pair"}: ${file} (fingerprint ${fingerprintOf(keys.publicKey)})`);
        const host = new AgentHost({ dataDir: options.dataDir ?? path.join(configDir(), "node"), skillsDir: options.skillsDir ?? process.env.SKILLS_DIR });
        const say = (event: NodeClientEvent) => {
          if (options.json) return out.line(JSON.stringify(event));
          if (event.kind === "connected") {
            out.note(`Connected to ${portals.length === 1 ? portals[0] : "the portal"} as node "${name.data}" (${event.fingerprint}): ${event.status}`);
            if (event.status === "pending") out.note("Waiting for an administrator to approve this node (Admin → Nodes); compare the fingerprint first.");
          } else if (event.kind === "status") out.note(`Status: ${event.status}`);
          else if (event.kind === "disconnected") out.note(`Disconnected (${event.code}${event.reason ? `: ${event.reason}` : ""}); reconnecting in ${Math.round((event.retryInMs ?? 0) / 100) / 10} s — running tasks continue`);
          else if (event.kind === "assigned") out.note(`Running ${event.agentType} task ${event.taskId}`);
          else if (event.kind === "finished") out.note(`Finished task ${event.taskId}`);
        };
        const client = new NodeClient({ portal: portals, name: name.data, labels: options.label, concurrency: options.concurrency, keys, host, version: VERSION, enrolmentToken, onEvent: say });
        const stop = () => void client.stop();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
        const refusal = await client.start();
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        if (refusal) throw new CliError(`The portal refused this node (${refusal.code}): ${refusal.message}`, EXIT.auth, refusal.code === 4002 ? "revoked" : "unauthenticated");
        out.note("Node stopped.");
      }),
    );
}
