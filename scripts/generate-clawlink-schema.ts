/** Writes docs/clawlink-v1.schema.json from the zod schemas of lib/remote/protocol.ts (a unit test checks it is current). */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { clawlinkSchemaDocument } from "../lib/remote/schema";

const file = path.resolve(import.meta.dirname, "../docs/clawlink-v1.schema.json");
writeFileSync(file, `${JSON.stringify(clawlinkSchemaDocument(), null, 2)}\n`);
console.log(`Wrote ${file}`);
