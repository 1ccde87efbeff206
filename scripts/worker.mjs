// `npm run worker`: compile scripts/worker.ts (and the lib/ code it imports) to plain JavaScript and
// run it in this process, without tsx, as `npm start` does (scripts/lib/compile.mjs says why).
import { pathToFileURL } from "node:url";
import { compileEntry } from "./lib/compile.mjs";

await import(pathToFileURL(await compileEntry("scripts/worker.ts")).href);
