import assert from "node:assert/strict";
import { POSTGRES_PASSWORD, type PostgresServer, startPostgres } from "../../../tests/_postgres.ts";
import type { Stores } from "../mod.ts";
import { runStoreContract } from "../store_contract.ts";
import { migratePostgres, MIGRATIONS, openPostgresStores, parseDbUrl } from "./mod.ts";
import { PASSWORD_ENV } from "./url.ts";

/** Runs `work` against a fresh PostgreSQL cluster (the password given as ftpx reads it). */
async function withPostgres(work: (server: PostgresServer) => Promise<void>): Promise<void> {
  const server = await startPostgres();
  const saved = Deno.env.get(PASSWORD_ENV);
  Deno.env.set(PASSWORD_ENV, POSTGRES_PASSWORD);
  try {
    await work(server);
  } finally {
    if (saved === undefined) Deno.env.delete(PASSWORD_ENV);
    else Deno.env.set(PASSWORD_ENV, saved);
    await server.stop();
  }
}

let databases = 0;

async function freshDatabase(server: PostgresServer): Promise<string> {
  return await server.createDatabase(`contract_${++databases}`);
}

Deno.test("PostgreSQL stores pass the store contract", async (t) => {
  await withPostgres(async (server) => {
    await runStoreContract(t, {
      async createDatabase() {
        const target = parseDbUrl(await freshDatabase(server));
        await migratePostgres(target);
        return {
          connect: () => openPostgresStores(target, { node: "node-a" }),
          remove: async () => {
            await server.psql("postgres", `DROP DATABASE ${target.database}`);
          },
        };
      },
    });
  });
});

Deno.test("PostgreSQL: migrate creates, then finds the schema current; nodes racing migrate once", async () => {
  await withPostgres(async (server) => {
    const target = parseDbUrl(await freshDatabase(server));
    await assert.rejects(
      () => openPostgresStores(target, { node: "n" }),
      /No ftpx schema in postgres:\/\/postgres@127\.0\.0\.1:\d+\/contract_\d+: run "ftpx migrate --db/,
    );
    const runs = await Promise.all(Array.from({ length: 4 }, () => migratePostgres(target)));
    const created = runs.filter((run) => run.from === 0);
    assert.equal(created.length, 1, JSON.stringify(runs));
    for (const run of runs) assert.equal(run.to, MIGRATIONS.length);
    assert.deepEqual(await migratePostgres(target), {
      from: MIGRATIONS.length,
      to: MIGRATIONS.length,
    });
    const stores = await openPostgresStores(target, { node: "n" });
    await stores.close();
    await server.psql(target.database, "UPDATE ftpx_schema SET version = version + 1");
    await assert.rejects(
      () => openPostgresStores(target, { node: "n" }),
      /was written by a newer ftpx \(schema \d+, this build knows \d+\): upgrade ftpx/,
    );
  });
});

Deno.test("PostgreSQL: a node's start clears only its own sessions and reservations", async () => {
  await withPostgres(async (server) => {
    const target = parseDbUrl(await freshDatabase(server));
    await migratePostgres(target);
    const one: Stores = await openPostgresStores(target, { node: "node-1" });
    const two: Stores = await openPostgresStores(target, { node: "node-2" });
    try {
      const limits = { maxTotal: 10, maxPerAddress: 10 };
      await one.sessions.openWithin("10.0.0.1", 1, "ftpx", limits);
      await two.sessions.openWithin("10.0.0.2", 2, "ftpx", limits);
      const bob = await one.accounts.insert({
        name: "bob",
        passwordHash: "h",
        admin: false,
        quota: 0,
        createdAt: 0,
      });
      const mine = await one.quota.reserve(bob.id, { partial: "p1", base: 0, bytes: 5, what: "x" });
      await two.quota.reserve(bob.id, { partial: "p2", base: 0, bytes: 7, what: "y" });
      await two.sessions.reset();
      assert.deepEqual((await one.sessions.list()).map((session) => session.address), ["10.0.0.1"]);
      assert.deepEqual(await one.quota.leftReservations(), [
        { id: mine.id, userId: bob.id, partial: "p1", base: 0 },
      ]);
      // Both nodes' reservations count against the quota.
      assert.equal((await two.quota.usage(bob.id)).reserved, 12);
      // File digests are per node: inode numbers belong to one machine's file systems.
      const version = { dev: 1, ino: 2, size: 3, mtime: 4 };
      await one.hashes.set(version, "ab".repeat(32));
      assert.equal(await two.hashes.get(version), null);
    } finally {
      await one.close();
      await two.close();
    }
  });
});

Deno.test("PostgreSQL: a wrong password and an unreachable server are one clear error", async () => {
  await withPostgres(async (server) => {
    const target = parseDbUrl(await freshDatabase(server));
    Deno.env.set(PASSWORD_ENV, "wrong");
    await assert.rejects(
      () => migratePostgres(target),
      /Cannot use PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/contract_\d+: login refused/,
    );
    Deno.env.set(PASSWORD_ENV, POSTGRES_PASSWORD);
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closedPort = probe.addr.port;
    probe.close();
    await assert.rejects(
      () => migratePostgres({ ...target, port: closedPort }),
      /Cannot use PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/contract_\d+: connection refused/,
    );
  });
});
