import { beforeAll, describe, expect, it } from "vitest";
import { runtimeFor } from "../../lib/runtime";
import { createUser, type TestUser } from "../support/auth";
import { useTestDatabase } from "../support/db";
import { contextFor, submit } from "../support/engine";

describe("task list: search by prompt, filter by submitter (admins)", async () => {
  const database = await useTestDatabase();
  const runtime = runtimeFor(database);
  let ada: TestUser;
  let bob: TestUser;
  let admin: TestUser;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    ada = await createUser(database.db, { name: "Ada" });
    bob = await createUser(database.db, { name: "Bob" });
    admin = await createUser(database.db, { name: "Root", role: "ADMIN" });
    ids.adaParser = await submit(database, ada, { prompt: "Fix the Parser crash on empty input" });
    ids.adaPercent = await submit(database, ada, { prompt: "Raise coverage to 100% in lib_util" });
    ids.bobParser = await submit(database, bob, { prompt: "parser: support tabs" });
  });

  it("finds the caller's tasks whose prompt contains the text, case-insensitively", async () => {
    const { tasks } = await runtime.listTasks(contextFor(ada), { q: "parser", limit: 50 });
    expect(tasks.map((t) => t.task_id)).toEqual([ids.adaParser]);
  });

  it("treats % and _ in the search as plain characters", async () => {
    expect((await runtime.listTasks(contextFor(ada), { q: "100%", limit: 50 })).tasks.map((t) => t.task_id)).toEqual([ids.adaPercent]);
    expect((await runtime.listTasks(contextFor(ada), { q: "to_100", limit: 50 })).tasks).toEqual([]);
    expect((await runtime.listTasks(contextFor(ada), { q: "%", limit: 50 })).tasks.map((t) => t.task_id)).toEqual([ids.adaPercent]);
  });

  it("lets admins list one person's tasks, and nobody else list another's", async () => {
    const { tasks } = await runtime.listTasks(contextFor(admin), { user_id: bob.id, q: "parser", limit: 50 });
    expect(tasks.map((t) => [t.task_id, t.user_id])).toEqual([[ids.bobParser, bob.id]]);
    await expect(runtime.listTasks(contextFor(ada), { user_id: bob.id, limit: 50 })).rejects.toMatchObject({ code: "forbidden" });
    expect((await runtime.listTasks(contextFor(ada), { user_id: ada.id, limit: 50 })).tasks).toHaveLength(2);
  });
});
