import { realpath } from "node:fs/promises";
import path from "node:path";
import { RequestError } from "@agentclientprotocol/sdk";

/**
 * The real path `requested` names if it lies inside `workspace`, else an ACP error. Symbolic
 * links are resolved (for a file that does not exist yet, its nearest existing parent), so a
 * link inside the workspace cannot lead an agent's fs/* or terminal/* request out of it.
 */
export async function confinedPath(workspace: string, requested: string): Promise<string> {
  if (typeof requested !== "string" || requested === "" || requested.includes("\0")) throw RequestError.invalidParams(undefined, "path must be a non-empty string");
  const root = await realpath(workspace);
  const absolute = path.resolve(root, requested);
  let existing = absolute;
  const rest: string[] = [];
  for (;;) {
    try {
      existing = await realpath(existing);
      break;
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) throw outside(requested);
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
  const resolved = path.join(existing, ...rest);
  if (resolved !== root && !resolved.startsWith(root + path.sep)) throw outside(requested);
  return resolved;
}

function outside(requested: string): RequestError {
  return RequestError.invalidParams(undefined, `${requested} is outside the task's workspace`);
}
