// `npm start`: compile scripts/start.ts (and the lib/ code it imports) to plain JavaScript and run
// it in this process, so the node serves without tsx (scripts/lib/compile.mjs says why).
// `npm run dev` runs scripts/start.ts under tsx instead.
import { pathToFileURL } from "node:url";
import { compileEntry } from "./lib/compile.mjs";
import { missingServerFlags, SERVER_NODE_FLAGS } from "./lib/node-flags.mjs";

// package.json passes the memory flags; a node started as `node scripts/start.mjs` (a process manager) has not got them.
const missing = missingServerFlags();
if (missing.length) {
  process.stderr.write(`[coderclawlink] Started without ${missing.join(" ")}: the node keeps more memory; run \`npm start\` or \`node ${SERVER_NODE_FLAGS.join(" ")} scripts/start.mjs\`\n`);
}

await import(pathToFileURL(await compileEntry("scripts/start.ts")).href);
