import { describe, expect, it } from "vitest";
import { CredentialCache } from "./auth-cache";
import { announceCredentialsChanged, localChangesPending } from "./credential-notices";

/** A database handle whose LISTEN is a function the test calls to deliver a notice. */
function fakeHandle() {
  const handlers: ((payload: string) => void)[] = [];
  return {
    handle: { listen: async (_channel: string, handler: (payload: string) => void) => (handlers.push(handler), async () => {}) },
    deliver: (payload: string) => handlers.forEach((h) => h(payload)),
    /** Stands in for a transaction: announceCredentialsChanged runs its NOTIFY through `execute`. */
    tx: { execute: async () => [] },
  };
}

async function listening(cache: CredentialCache<string>) {
  cache.get("warm-up");
  await new Promise((resolve) => setImmediate(resolve));
}

describe("CredentialCache", () => {
  it("answers nothing until its LISTEN is in place, then what was stored", async () => {
    const { handle } = fakeHandle();
    const cache = new CredentialCache<string>(handle);
    cache.store(cache.ticket(), "k", "v");
    expect(cache.get("k")).toBeUndefined();
    await listening(cache);
    cache.store(cache.ticket(), "k", "v");
    expect(cache.get("k")).toBe("v");
  });

  it("does not store what a lookup read before a notice arrived", async () => {
    const { handle, deliver } = fakeHandle();
    const cache = new CredentialCache<string>(handle);
    await listening(cache);
    const ticket = cache.ticket();
    deliver("another node changed something");
    cache.store(ticket, "k", "stale");
    expect(cache.get("k")).toBeUndefined();
  });

  it("forgets everything on any notice", async () => {
    const { handle, deliver } = fakeHandle();
    const cache = new CredentialCache<string>(handle);
    await listening(cache);
    cache.store(cache.ticket(), "k", "v");
    deliver("x");
    expect(cache.get("k")).toBeUndefined();
  });

  it("answers and stores nothing from this node's announcement until its own notice comes back", async () => {
    const { handle, deliver, tx } = fakeHandle();
    const cache = new CredentialCache<string>(handle);
    await listening(cache);
    cache.store(cache.ticket(), "k", "v");
    const before = cache.ticket();
    const nonce = await announceCredentialsChanged(tx as never);
    expect(localChangesPending()).toBe(true);
    expect(cache.get("k")).toBeUndefined();
    cache.store(cache.ticket(), "k", "read before the commit");
    expect(cache.get("k")).toBeUndefined();
    deliver("another node's notice");
    expect(localChangesPending()).toBe(true);
    deliver(nonce);
    expect(localChangesPending()).toBe(false);
    cache.store(before, "k", "read before the announcement");
    expect(cache.get("k")).toBeUndefined();
    cache.store(cache.ticket(), "k", "read after the commit");
    expect(cache.get("k")).toBe("read after the commit");
    await cache.close();
  });

  it("expires what it remembers after its lifetime", async () => {
    const { handle } = fakeHandle();
    const cache = new CredentialCache<string>(handle, 0);
    await listening(cache);
    cache.store(cache.ticket(), "k", "v");
    expect(cache.get("k")).toBeUndefined();
  });
});

