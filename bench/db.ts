import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { openDatabase, type DatabaseHandle } from "../lib/db/client";
import { migrateDatabase } from "../lib/db/migrate";
import { selectRows } from "../lib/db/sql";
import { apiTokens, users } from "../lib/db/schema";
import { API_TOKEN_PREFIX } from "../lib/security/api-tokens";
import { hashPassword } from "../lib/security/passwords";
import { hashSecret, newSecret } from "../lib/security/tokens";

export type Kind = "postgres" | "pglite";

/**
 * A fresh database for one half of the run: a new Postgres database (created here, dropped in
 * drop()) or a new PGlite folder under the OS temp dir. `dataDir` is the servers' DATA_DIR either
 * way (workspaces, logs). PGlite allows one process per folder, so open() only between servers.
 */
export interface BenchDatabase {
  kind: Kind;
  dataDir: string;
  /** DATABASE_URL for the children ("" = embedded PGlite under dataDir). */
  url: string;
  pgliteDir: string;
  version: string;
  open(): Promise<DatabaseHandle>;
  drop(): Promise<void>;
}

export const DEFAULT_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres";

export async function createBenchDatabase(kind: Kind, adminUrl: string): Promise<BenchDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `clawlink-bench-${kind}-`));
  const pgliteDir = path.join(dataDir, "pglite");
  let url = "";
  let dropServer = async () => {};
  if (kind === "postgres") {
    const name = `clawlink_bench_${randomBytes(5).toString("hex")}`;
    const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${name}`);
    const parsed = new URL(adminUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    dropServer = async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end({ timeout: 5 });
    };
  }
  const open = () => openDatabase(url ? { url } : { dataDir: pgliteDir });
  const handle = await open();
  let version: string;
  try {
    [{ version }] = await selectRows<{ version: string }>(handle, sql`select version()`);
  } finally {
    await handle.close();
  }
  return {
    kind,
    dataDir,
    url,
    pgliteDir,
    version,
    open,
    async drop() {
      await dropServer();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface BenchSeed {
  userId: string;
  /** The DEVELOPER's API token (the submit load). */
  token: string;
  /** The DEVELOPER's sign-in, for page loads. */
  email: string;
  password: string;
  /** An ADMIN's API token (the audit queries). */
  adminToken: string;
}

/** Migrate and add the bench's users — a DEVELOPER and an ADMIN, each with an API token — written straight into the database. */
export async function seedBenchDatabase(target: BenchDatabase): Promise<BenchSeed> {
  const handle = await target.open();
  try {
    await migrateDatabase(handle);
    const email = "bench@bench.invalid";
    const password = randomBytes(12).toString("base64url");
    const [user] = await handle.db
      .insert(users)
      .values({ email, name: "Bench Runner", role: "DEVELOPER", passwordHash: await hashPassword(password) })
      .returning({ id: users.id });
    const [admin] = await handle.db.insert(users).values({ email: "bench-admin@bench.invalid", name: "Bench Admin", role: "ADMIN" }).returning({ id: users.id });
    const mint = async (userId: string) => {
      const token = newSecret(API_TOKEN_PREFIX);
      await handle.db.insert(apiTokens).values({ userId, name: "bench", tokenHash: hashSecret(token), prefix: token.slice(0, API_TOKEN_PREFIX.length + 6) });
      return token;
    };
    return { userId: user.id, token: await mint(user.id), email, password, adminToken: await mint(admin.id) };
  } finally {
    await handle.close();
  }
}

/**
 * Diagnostic only (Postgres): stop waiting for the WAL flush at commit in the bench database, for
 * new connections. Comparing a run with and without it shows how much of a latency is disk flushes.
 */
export async function setSynchronousCommit(target: BenchDatabase, on: boolean): Promise<void> {
  if (target.kind !== "postgres") return;
  const name = new URL(target.url).pathname.slice(1);
  if (!/^clawlink_bench_[0-9a-f]+$/.test(name)) throw new Error(`unexpected bench database name ${name}`);
  const handle = await target.open();
  try {
    await handle.db.execute(sql.raw(`alter database ${name} set synchronous_commit = ${on ? "on" : "off"}`));
  } finally {
    await handle.close();
  }
}

/** Remove every task (events cascade) so the next phase starts from an empty queue; audit rows stay (append-only). */
export async function clearTasks(target: BenchDatabase): Promise<number> {
  const handle = await target.open();
  try {
    const rows = await selectRows<{ n: number }>(handle, sql`with gone as (delete from executions returning 1) select count(*)::int as n from gone`);
    return Number(rows[0]?.n ?? 0);
  } finally {
    await handle.close();
  }
}

export interface DispatchSample {
  toPlanningMs: number;
  toRunningMs: number;
}

/**
 * submit→PLANNING (claimed) and submit→RUNNING per task, in milliseconds, from the database's own
 * timestamps: executions.created_at and the state events' created_at are both now() of their
 * transactions, so one clock (the database's) is on both ends.
 */
export async function dispatchSamples(target: BenchDatabase, promptPrefix: string): Promise<DispatchSample[]> {
  const handle = await target.open();
  try {
    const rows = await selectRows<{ to_planning: string | number; to_running: string | number }>(
      handle,
      sql`select extract(epoch from (p.created_at - e.created_at)) * 1000 as to_planning,
                 extract(epoch from (r.created_at - e.created_at)) * 1000 as to_running
          from executions e
          join execution_events p on p.execution_id = e.id and p.type = 'state' and p.state = 'PLANNING'
          join execution_events r on r.execution_id = e.id and r.type = 'state' and r.state = 'RUNNING'
          where e.prompt like ${`${promptPrefix}%`}`,
    );
    return rows.map((r) => ({ toPlanningMs: Number(r.to_planning), toRunningMs: Number(r.to_running) }));
  } finally {
    await handle.close();
  }
}

/**
 * Postgres only, from the bench process while no server runs: what one round trip (`select 1`)
 * and one committed single-row insert (a WAL flush) cost on this machine right now. The engine's
 * dispatch path is a chain of such round trips and three commits, so these set its floor.
 */
export async function probeRoundTrips(target: BenchDatabase): Promise<{ select: number[]; commit: number[] } | null> {
  if (target.kind !== "postgres") return null;
  const client = postgres(target.url, { max: 1, onnotice: () => {} });
  try {
    await client`create table if not exists bench_commit_probe (x int)`;
    const select: number[] = [];
    const commit: number[] = [];
    for (let i = 0; i < 300; i++) {
      const t = performance.now();
      await client`select 1`;
      select.push(performance.now() - t);
    }
    for (let i = 0; i < 100; i++) {
      const t = performance.now();
      await client.begin((tx) => tx`insert into bench_commit_probe values (${i})`);
      commit.push(performance.now() - t);
    }
    await client`drop table bench_commit_probe`;
    return { select, commit };
  } finally {
    await client.end({ timeout: 5 });
  }
}
