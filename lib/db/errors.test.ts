import { describe, expect, it } from "vitest";
import { isDriverNullSocketError } from "./driver-guard";
import { isTransientDatabaseError, retryTransient } from "./errors";

const coded = (code: string) => Object.assign(new Error(code), { code });

describe("transient database errors", () => {
  it.each(["CONNECTION_CLOSED", "CONNECT_TIMEOUT", "ECONNREFUSED", "ECONNRESET", "57P01", "08006", "55P03", "57014", "25P03", "53300"])("%s is transient", (code) => {
    expect(isTransientDatabaseError(coded(code))).toBe(true);
  });

  it("looks through drizzle's wrapper to the driver's error", () => {
    expect(isTransientDatabaseError(new Error("Failed query: select 1", { cause: coded("ECONNRESET") }))).toBe(true);
  });

  it.each(["23505", "23503", "22P02", "42P01"])("%s (the request's or the code's fault) is not", (code) => {
    expect(isTransientDatabaseError(coded(code))).toBe(false);
  });

  it("a stale prepared statement is transient (a retry prepares it again); the same SQLSTATE from elsewhere is not", () => {
    const stale = (code: string, routine: string) => Object.assign(new Error("cached plan must not change result type"), { code, routine });
    expect(isTransientDatabaseError(stale("0A000", "RevalidateCachedQuery"))).toBe(true);
    expect(isTransientDatabaseError(stale("26000", "FetchPreparedStatement"))).toBe(true);
    expect(isTransientDatabaseError(stale("0A000", "transformExprRecurse"))).toBe(false);
    expect(isTransientDatabaseError(coded("0A000"))).toBe(false);
  });

  it("plain errors are not", () => {
    expect(isTransientDatabaseError(new Error("boom"))).toBe(false);
    expect(isTransientDatabaseError(null)).toBe(false);
  });

  it("retryTransient retries transient failures, not others, and gives up at the deadline or when told", async () => {
    let calls = 0;
    await expect(retryTransient(async () => (++calls < 3 ? Promise.reject(coded("ECONNRESET")) : "ok"), { giveUpAfterMs: 5_000 })).resolves.toBe("ok");
    expect(calls).toBe(3);
    calls = 0;
    await expect(retryTransient(async () => (calls++, Promise.reject(coded("23505"))), { giveUpAfterMs: 5_000 })).rejects.toMatchObject({ code: "23505" });
    expect(calls).toBe(1);
    await expect(retryTransient(() => Promise.reject(coded("ECONNRESET")), { giveUpAfterMs: 0 })).rejects.toMatchObject({ code: "ECONNRESET" });
    calls = 0;
    await expect(retryTransient(async () => (calls++, Promise.reject(coded("ECONNRESET"))), { giveUpAfterMs: 5_000, stop: () => calls >= 2 })).rejects.toMatchObject({ code: "ECONNRESET" });
    expect(calls).toBe(2);
  });
});

describe("the postgres.js null-socket guard", () => {
  it("recognises only the driver's write-after-close TypeError", () => {
    const driver = new TypeError("Cannot read properties of null (reading 'write')");
    driver.stack = `TypeError: Cannot read properties of null (reading 'write')\n    at Immediate.nextWrite (file:///app/node_modules/postgres/src/connection.js:255:22)`;
    expect(isDriverNullSocketError(driver)).toBe(true);
    const ours = new TypeError("Cannot read properties of null (reading 'write')");
    ours.stack = `TypeError: Cannot read properties of null (reading 'write')\n    at save (file:///app/lib/files.ts:10:3)`;
    expect(isDriverNullSocketError(ours)).toBe(false);
    expect(isDriverNullSocketError(new Error("reading 'write'"))).toBe(false);
  });
});
