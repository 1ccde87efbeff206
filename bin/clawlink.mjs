#!/usr/bin/env node
// The `clawlink` command. An npm workspace package (bin/) so `npm install` links it into
// node_modules/.bin, which npm never does for the root package's own bin. The command itself is
// TypeScript in lib/cli, loaded through tsx (a dependency) with the repository's tsconfig.
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { register } from "tsx/esm/api";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
register({ tsconfig: path.join(root, "tsconfig.json") });
const { main } = await import(pathToFileURL(path.join(root, "lib/cli/main.ts")).href);
const code = await main(process.argv);
// Exit once stdout is flushed, without waiting for idle keep-alive sockets or a stdin reader.
process.stdout.write("", () => process.exit(code));
