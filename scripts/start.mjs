// `npm start`: compile scripts/start.ts (and the lib/ code it imports) to plain JavaScript and run
// it in this process, so the node serves without tsx (scripts/lib/compile.mjs says why).
// `npm run dev` runs scripts/start.ts under tsx instead.
import { pathToFileURL } from "node:url";
import { compileEntry } from "./lib/compile.mjs";

await import(pathToFileURL(await compileEntry("scripts/start.ts")).href);
