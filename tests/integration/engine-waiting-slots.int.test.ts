import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { executions } from "../../lib/db/schema";
import { runtimeFor } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, submit, testWorker, waitForState } from "../support/engine";

describe("engine: a task waiting for a person holds no worker slot", async () => {
  const database = await useTestDatabase();
  let ada: TestUser;
  let bob: TestUser;
  const stateOf = async (id: string) => (await database.db.select({ state: executions.state }).from(executions).where(eq(executions.id, id)))[0]!.state;

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
    bob = await createUser(database.db, { name: "Bob" });
  });

  it("a one-slot node runs other work while questions wait, up to three waiting runs per slot", async () => {
    const worker = await testWorker(database, { concurrency: 1 });
    const asking: string[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        asking.push(await submit(database, ada, { prompt: "ask:Which branch?" }));
        // Each question frees the only slot, so the next task is claimed while it waits.
        await waitForState(database, asking[i]!, "WAITING");
      }
      // Four runs wait on a one-slot node: the cap. The next task stays queued…
      const next = await submit(database, bob, { prompt: "say:after the questions" });
      await new Promise((r) => setTimeout(r, 1_500));
      expect(await stateOf(next)).toBe("PENDING");
      // …until an answer lets one finish; the answered run continues in place (no replay).
      await runtimeFor(database).provideInput(contextFor(ada), asking[0]!, { text: "main" });
      await waitForState(database, asking[0]!, "COMPLETED");
      await waitForState(database, next, "COMPLETED");
      for (const id of asking.slice(1)) expect(await stateOf(id)).toBe("WAITING");
      const [first] = await database.db.select({ attempt: executions.attempt }).from(executions).where(eq(executions.id, asking[0]!));
      expect(first!.attempt).toBe(1);
    } finally {
      for (const id of asking) await runtimeFor(database).cancelTask(contextFor(ada), id).catch(() => undefined);
      await worker.stop();
    }
  });
});
