/**
 * `npm run client:types`: regenerates lib/cli/api/openapi.ts, the `clawlink` CLI's typed client
 * types, from the OpenAPI document the node serves (built in-process, no server needed).
 * lib/cli/api/openapi-types.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from "node:fs";
import { CLIENT_TYPES_FILE, renderClientTypes } from "../lib/cli/api/generate";

writeFileSync(CLIENT_TYPES_FILE, await renderClientTypes());
process.stdout.write(`Wrote ${CLIENT_TYPES_FILE}\n`);
