import assert from "node:assert/strict";
import { POSTGRES_PASSWORD, type PostgresServer, startPostgres } from "../../../tests/_postgres.ts";
import type { Stores } from "../mod.ts";
import { runStoreContract } from "../store_contract.ts";
import { migratePostgres, MIGRATIONS, openPostgresStores, parseDbUrl } from "./mod.ts";
import type { PostgresTarget } from "./url.ts";

/** Runs `work` against a fresh PostgreSQL cluster (the password given in each target: the environment is shared by tests running at once). */
async function withPostgres(work: (server: PostgresServer) => Promise<void>): Promise<void> {
  const server = await startPostgres();
  try {
    await work(server);
  } finally {
    await server.stop();
  }
}

let databases = 0;

function withPassword(target: PostgresTarget): PostgresTarget {
  return { ...target, password: POSTGRES_PASSWORD };
}

async function freshDatabase(server: PostgresServer): Promise<string> {
  return await server.createDatabase(`contract_${++databases}`);
}

Deno.test("PostgreSQL stores pass the store contract", async (t) => {
  await withPostgres(async (server) => {
    await runStoreContract(t, {
      async createDatabase() {
        const target = withPassword(parseDbUrl(await freshDatabase(server)));
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
    const target = withPassword(parseDbUrl(await freshDatabase(server)));
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

const SESSION_LIMITS = { maxTotal: 10, maxPerAddress: 10 };

/** Opens a session on each of two nodes (the second one's over `secondProtocol`) and adds user bob. */
async function sessionOnEachNodeAndBob(one: Stores, two: Stores, secondProtocol: string) {
  await one.sessions.openWithin("10.0.0.1", 1, "ftpx", SESSION_LIMITS);
  await two.sessions.openWithin("10.0.0.2", 2, secondProtocol, SESSION_LIMITS);
  return await one.accounts.insert({
    name: "bob",
    passwordHash: "h",
    admin: false,
    quota: 0,
    createdAt: 0,
  });
}

Deno.test("PostgreSQL: a node's start clears only its own sessions and reservations", async () => {
  await withPostgres(async (server) => {
    const target = withPassword(parseDbUrl(await freshDatabase(server)));
    await migratePostgres(target);
    const one: Stores = await openPostgresStores(target, { node: "node-1" });
    const two: Stores = await openPostgresStores(target, { node: "node-2" });
    try {
      const bob = await sessionOnEachNodeAndBob(one, two, "ftpx");
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
    const target = withPassword(parseDbUrl(await freshDatabase(server)));
    await assert.rejects(
      () => migratePostgres({ ...target, password: "wrong" }),
      /Cannot use PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/contract_\d+: login refused/,
    );
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const closedPort = probe.addr.port;
    probe.close();
    await assert.rejects(
      () => migratePostgres({ ...target, port: closedPort }),
      /Cannot use PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/contract_\d+: connection refused/,
    );
  });
});

Deno.test("PostgreSQL: node leases: an expired node is released once, its rows handed over; joining takes it back", async () => {
  await withPostgres(async (server) => {
    const target = withPassword(parseDbUrl(await freshDatabase(server)));
    await migratePostgres(target);
    const [one, two, three] = await Promise.all(
      ["node-1", "node-2", "node-3"].map((node) => openPostgresStores(target, { node })),
    ) as [Stores, Stores, Stores];
    try {
      await Promise.all([one, two, three].map((stores) => stores.nodes.join()));
      const bob = await sessionOnEachNodeAndBob(one, two, "ftp");
      await one.quota.reserve(bob.id, { partial: "p1", base: 0, bytes: 5, what: "x" });
      const dead = await two.quota.reserve(bob.id, { partial: "p2", base: 3, bytes: 7, what: "y" });
      // node-2 last renewed a minute ago, by the database's clock.
      await server.psql(
        target.database,
        "UPDATE nodes SET last_seen = last_seen - 60000 WHERE node = 'node-2'",
      );
      // Not yet released: its rows are its own.
      assert.deepEqual(await one.quota.releasedReservations("node-2"), []);
      assert.equal(await one.sessions.closeReleased("node-2"), 0);
      // Two live nodes judging at once: exactly one releases it.
      const claims = await Promise.all([
        one.nodes.releaseExpired(30_000),
        three.nodes.releaseExpired(30_000),
      ]);
      assert.deepEqual(claims.flat(), ["node-2"]);
      assert.deepEqual(await one.nodes.releaseExpired(30_000), []);
      assert.deepEqual(await three.nodes.releasedWithLeftovers(), ["node-2"]);
      assert.deepEqual(
        (await one.nodes.list()).map(({ node, released }) => ({ node, released })),
        [
          { node: "node-1", released: false },
          { node: "node-2", released: true },
          { node: "node-3", released: false },
        ],
      );
      // The released node learns it at its next heartbeat.
      assert.equal(await two.nodes.heartbeat(), false);
      assert.deepEqual(await three.quota.releasedReservations("node-2"), [
        { id: dead.id, userId: bob.id, partial: "p2", base: 3 },
      ]);
      assert.equal(await three.sessions.closeReleased("node-2"), 1);
      // Settled twice (two cleaners), charged once.
      await Promise.all([one.quota.settleLeft(dead, 4), three.quota.settleLeft(dead, 4)]);
      assert.deepEqual(await one.quota.usage(bob.id), { used: 4, reserved: 5, quota: 0 });
      assert.deepEqual(await one.nodes.releasedWithLeftovers(), []);
      assert.deepEqual(
        (await one.sessions.list()).map(({ node, address }) => ({ node, address })),
        [{ node: "node-1", address: "10.0.0.1" }],
      );
      // Joining again takes the lease back: its new rows are live ones, left alone.
      await two.nodes.join();
      assert.equal(await two.nodes.heartbeat(), true);
      await two.sessions.openWithin("10.0.0.2", 3, "ftp", SESSION_LIMITS);
      await two.quota.reserve(bob.id, { partial: "p3", base: 0, bytes: 1, what: "z" });
      assert.deepEqual(await one.quota.releasedReservations("node-2"), []);
      assert.equal(await one.sessions.closeReleased("node-2"), 0);
      assert.deepEqual(await one.nodes.releaseExpired(30_000), []);
    } finally {
      await Promise.all([one, two, three].map((stores) => stores.close()));
    }
  });
});
