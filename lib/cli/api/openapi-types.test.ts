import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CLIENT_TYPES_FILE, renderClientTypes } from "./generate";

describe("the CLI's generated client types", () => {
  it("match the node's OpenAPI document (run `npm run client:types` after changing an operation)", async () => {
    const committed = readFileSync(CLIENT_TYPES_FILE, "utf8");
    const fresh = await renderClientTypes();
    expect(committed === fresh, "lib/cli/api/openapi.ts is stale: run `npm run client:types` and commit the result").toBe(true);
  }, 60_000);
});
