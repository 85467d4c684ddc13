/**
 * The contract every backend of {@linkcode Stores} passes: one suite, run by
 * each backend's test (`sqlite/sqlite_test.ts`, `postgres/postgres_test.ts`)
 * against its real database. Besides each store's behaviour, it checks the
 * check-and-changes under concurrency: two connections (two server threads,
 * or two nodes) asking at once can't jointly exceed a quota, a session limit,
 * the login ban threshold or the registration limit.
 */

import assert from "node:assert/strict";
import { OperationError } from "../core/errors.ts";
import type { AttemptLimits, NewAccountRecord, Stores } from "./mod.ts";

/** A fresh, empty database of one backend. */
export interface ContractDatabase {
  /** Opens another connection to the same database (another server thread of this node). */
  connect(): Promise<Stores>;
  /** Removes the database; every connection opened by `connect()` is closed by then. */
  remove(): Promise<void>;
}

/** What a backend's test provides: a fresh database per case. */
export interface ContractBackend {
  createDatabase(): Promise<ContractDatabase>;
}

type Case = (a: Stores, b: Stores) => Promise<void>;

/** Runs every contract case as a step of `t`, each on a fresh database with two connections. */
export async function runStoreContract(
  t: Deno.TestContext,
  backend: ContractBackend,
): Promise<void> {
  for (const [name, test] of Object.entries(CASES)) {
    await t.step(name, async () => {
      const database = await backend.createDatabase();
      try {
        const a = await database.connect();
        try {
          const b = await database.connect();
          try {
            await test(a, b);
          } finally {
            await b.close();
          }
        } finally {
          await a.close();
        }
      } finally {
        await database.remove();
      }
    });
  }
}

function account(name: string, quota = 0): NewAccountRecord {
  return {
    name,
    passwordHash: `hash-of-${name}`,
    admin: false,
    quota,
    createdAt: 1_700_000_000_000,
  };
}

async function assertOperationError(
  work: () => Promise<unknown>,
  kind: string,
  includes?: string,
): Promise<void> {
  await assert.rejects(work, (error) => {
    assert(error instanceof OperationError, String(error));
    assert.equal(error.kind, kind, error.message);
    if (includes !== undefined) assert(error.message.includes(includes), error.message);
    return true;
  });
}

/**
 * Deep equality of plain data: rows may come with a null prototype (SQLite)
 * or as class instances (a client's result rows); what they hold is compared.
 */
function same(actual: unknown, expected: unknown, message?: string): void {
  const plain = actual === undefined ? undefined : JSON.parse(JSON.stringify(actual));
  assert.deepEqual(plain, expected, message);
}

/** The values of the settled results that were fulfilled. */
function fulfilled<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.flatMap((result) => result.status === "fulfilled" ? [result.value] : []);
}

const ATTEMPTS: Omit<AttemptLimits, "now"> = {
  perMinute: 100,
  maxOpen: 3,
  banWindowMs: 900_000,
  keepMs: 900_000,
};

const CASES: Record<string, Case> = {
  "accounts: rate limits start at 0 (the server's default) and change on their own": async (
    a,
    b,
  ) => {
    const bob = await a.accounts.insert(account("bob"));
    same([bob.rateDown, bob.rateUp], [0, 0]);
    const carol = await a.accounts.insert({ ...account("carol"), rateDown: 2048, rateUp: 1024 });
    same([carol.rateDown, carol.rateUp], [2048, 1024]);
    const limited = await a.accounts.update("bob", { rateDown: 1_048_576 });
    same([limited?.rateDown, limited?.rateUp, limited?.quota], [1_048_576, 0, 0]);
    const seen = await b.accounts.byName("bob");
    same([seen?.rateDown, seen?.rateUp], [1_048_576, 0]);
  },
  "accounts: insert, look up by name and id, list by name, count": async (a, b) => {
    same(await a.accounts.count(), 0);
    const bob = await a.accounts.insert({ ...account("bob", 1000), admin: true });
    await a.accounts.insert(account("alice"));
    same(bob.name, "bob");
    same(bob.admin, true);
    same(bob.quota, 1000);
    same(bob.used, 0);
    same(bob.disabled, false);
    same(bob.lastLogin, null);
    same(bob.passwordHash, "hash-of-bob");
    same(bob.createdAt, 1_700_000_000_000);
    same(await b.accounts.byName("bob"), bob);
    same(await b.accounts.byId(bob.id), bob);
    same(await b.accounts.byName("nobody"), undefined);
    same(await b.accounts.byId(bob.id + 1000), undefined);
    same((await b.accounts.list()).map((record) => record.name), ["alice", "bob"]);
    same(await b.accounts.count(), 2);
  },

  "accounts: a taken name is refused as exists": async (a, b) => {
    await a.accounts.insert(account("bob"));
    await assertOperationError(() => b.accounts.insert(account("bob")), "exists", '"bob"');
    same(await a.accounts.count(), 1);
  },

  "accounts: update changes only what is given; an unknown name gives undefined": async (a, b) => {
    await a.accounts.insert(account("bob", 10));
    const changed = await b.accounts.update("bob", { quota: 20, disabled: true });
    same(changed?.quota, 20);
    same(changed?.disabled, true);
    same(changed?.passwordHash, "hash-of-bob");
    const again = await a.accounts.update("bob", { passwordHash: "new", disabled: false });
    same(again?.passwordHash, "new");
    same(again?.disabled, false);
    same(again?.quota, 20);
    same(await a.accounts.update("bob", {}), again);
    same(await a.accounts.update("nobody", { quota: 1 }), undefined);
  },

  "accounts: recordLogin, delete (false when already gone)": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    await b.accounts.recordLogin(bob.id, 1_800_000_000_000);
    same((await a.accounts.byId(bob.id))?.lastLogin, 1_800_000_000_000);
    same(await b.accounts.delete(bob.id), true);
    same(await a.accounts.delete(bob.id), false);
    same(await a.accounts.byName("bob"), undefined);
  },

  "accounts: deleting drops the account's reservations and partial records": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    await a.quota.reserve(bob.id, { partial: "p1", base: 0, bytes: 10, what: '"/x"' });
    await a.partials.save({ userId: bob.id, path: "/x", partial: "p1", size: 10, source: null });
    await b.accounts.delete(bob.id);
    same(await a.quota.leftReservations(), []);
    same(await a.partials.get(bob.id, "/x"), undefined);
  },

  "accounts: changeStamp moves with every change, by this connection or another": async (a, b) => {
    const first = await a.accounts.changeStamp();
    same(await a.accounts.changeStamp(), first);
    const bob = await b.accounts.insert(account("bob"));
    const afterInsert = await a.accounts.changeStamp();
    assert.notEqual(afterInsert, first);
    same(await a.accounts.changeStamp(), afterInsert);
    await a.accounts.update("bob", { quota: 5 });
    const afterOwnUpdate = await a.accounts.changeStamp();
    assert.notEqual(afterOwnUpdate, afterInsert);
    await b.accounts.update("bob", { disabled: true });
    const afterOtherUpdate = await a.accounts.changeStamp();
    assert.notEqual(afterOtherUpdate, afterOwnUpdate);
    await b.accounts.update("bob", { passwordHash: "changed" });
    const afterPassword = await a.accounts.changeStamp();
    assert.notEqual(afterPassword, afterOtherUpdate);
    await b.quota.adjust(bob.id, 100);
    const afterUsed = await a.accounts.changeStamp();
    assert.notEqual(afterUsed, afterPassword);
    await b.accounts.delete(bob.id);
    assert.notEqual(await a.accounts.changeStamp(), afterUsed);
  },

  "accounts: replaceUsed only from the expected figure and with no upload in flight": async (
    a,
    b,
  ) => {
    const bob = await a.accounts.insert(account("bob"));
    await a.quota.adjust(bob.id, 100);
    same(await b.accounts.replaceUsed("bob", 99, 50), false);
    same((await a.quota.usage(bob.id)).used, 100);
    const upload = await a.quota.reserve(bob.id, { partial: "p", base: 0, bytes: 1, what: "x" });
    same(await b.accounts.replaceUsed("bob", 100, 50), false);
    await a.quota.settle(upload, 0);
    same(await b.accounts.replaceUsed("bob", 100, 50), true);
    same((await a.quota.usage(bob.id)).used, 50);
  },

  "accounts: new accounts count as measured; setMeasured stores the figure": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    same(await b.accounts.unmeasured(), []);
    await b.accounts.setMeasured(bob.id, 4096);
    same((await a.accounts.byId(bob.id))?.used, 4096);
    same(await a.accounts.unmeasured(), []);
  },

  "quota: usage, check and reserve within the quota; beyond it quota_exceeded": async (a, b) => {
    const bob = await a.accounts.insert(account("bob", 100));
    same(await a.quota.usage(bob.id), { used: 0, reserved: 0, quota: 100 });
    await a.quota.check(bob.id, 100, '"/a"');
    await assertOperationError(() => a.quota.check(bob.id, 101, '"/a"'), "quota_exceeded", '"/a"');
    const upload = await a.quota.reserve(bob.id, { partial: "p1", base: 0, bytes: 60, what: "a" });
    same(upload.reserved, 60);
    same(upload.credit, 0);
    same(await b.quota.usage(bob.id), { used: 0, reserved: 60, quota: 100 });
    await assertOperationError(
      () => b.quota.reserve(bob.id, { partial: "p2", base: 0, bytes: 41, what: '"/b"' }),
      "quota_exceeded",
      "held by uploads in progress",
    );
    await b.quota.reserve(bob.id, { partial: "p2", base: 0, bytes: 40, what: "b" });
    same((await a.quota.usage(bob.id)).reserved, 100);
  },

  "quota: a second upload to the same partial is refused as exists": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    await a.quota.reserve(bob.id, { partial: "p", base: 0, bytes: 1, what: '"/a"' });
    await assertOperationError(
      () => b.quota.reserve(bob.id, { partial: "p", base: 0, bytes: 1, what: '"/a"' }),
      "exists",
      "in progress",
    );
    same((await a.quota.usage(bob.id)).reserved, 1);
  },

  "quota: usedDelta applies at once, credit is not counted against the upload": async (a, b) => {
    const bob = await a.accounts.insert(account("bob", 100));
    await a.quota.adjust(bob.id, 90);
    // Appending to a 50-byte copy of a 50-byte file: the old one's 50 are freed at commit.
    await assertOperationError(
      () => a.quota.reserve(bob.id, { partial: "p", base: 50, bytes: 30, what: "x" }),
      "quota_exceeded",
    );
    const upload = await b.quota.reserve(bob.id, {
      partial: "p",
      base: 50,
      bytes: 30,
      credit: 50,
      what: "x",
    });
    same(upload.credit, 50);
    await b.quota.extend(upload, 20, "x");
    same(upload.reserved, 50);
    await assertOperationError(() => b.quota.extend(upload, 11, "x"), "quota_exceeded");
    // An old partial cut to base gives its bytes back at once.
    const other = await a.accounts.insert(account("carol", 100));
    await a.quota.adjust(other.id, 80);
    await a.quota.reserve(other.id, {
      partial: "q",
      base: 0,
      bytes: 90,
      usedDelta: -80,
      what: "y",
    });
    same(await b.quota.usage(other.id), { used: 0, reserved: 90, quota: 100 });
  },

  "quota: extend grows a reservation only while there is room": async (a, b) => {
    const bob = await a.accounts.insert(account("bob", 100));
    const upload = await a.quota.reserve(bob.id, { partial: "p", base: 0, bytes: 10, what: "x" });
    await a.quota.extend(upload, 50, "x");
    same(upload.reserved, 60);
    same((await b.quota.usage(bob.id)).reserved, 60);
    await b.quota.reserve(bob.id, { partial: "q", base: 0, bytes: 30, what: "y" });
    await assertOperationError(() => a.quota.extend(upload, 11, '"/x"'), "quota_exceeded", '"/x"');
    same(upload.reserved, 60);
    await a.quota.extend(upload, 10, "x");
    same((await b.quota.usage(bob.id)).reserved, 100);
  },

  "quota: settle charges what was written and frees the reservation": async (a, b) => {
    const bob = await a.accounts.insert(account("bob", 100));
    const upload = await a.quota.reserve(bob.id, { partial: "p", base: 0, bytes: 80, what: "x" });
    await a.quota.settle(upload, 70);
    same(await b.quota.usage(bob.id), { used: 70, reserved: 0, quota: 100 });
    same(await b.quota.leftReservations(), []);
  },

  "quota: adjust never takes used space below 0": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    await a.quota.adjust(bob.id, 10);
    await b.quota.adjust(bob.id, -25);
    same((await a.quota.usage(bob.id)).used, 0);
    await b.quota.adjust(bob.id, 0);
    same((await a.quota.usage(bob.id)).used, 0);
  },

  "quota: left reservations are listed and settled in one step": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    const upload = await a.quota.reserve(bob.id, { partial: "p", base: 5, bytes: 50, what: "x" });
    const left = await b.quota.leftReservations();
    same(left, [{ id: upload.id, userId: bob.id, partial: "p", base: 5 }]);
    await b.quota.settleLeft(left[0]!, 20);
    same(await a.quota.usage(bob.id), { used: 20, reserved: 0, quota: 0 });
    same(await a.quota.leftReservations(), []);
  },

  "quota: two connections reserving at once can't jointly exceed the quota": async (a, b) => {
    const bob = await a.accounts.insert(account("bob", 100));
    for (let round = 0; round < 5; round++) {
      const results = await Promise.allSettled(
        Array.from({ length: 12 }, (_, index) =>
          (index % 2 === 0 ? a : b).quota.reserve(bob.id, {
            partial: `r${round}-${index}`,
            base: 0,
            bytes: 30,
            what: "x",
          })),
      );
      const taken = fulfilled(results);
      same(taken.length, 3, `round ${round}: ${taken.length} reservations of 30 in 100`);
      for (const result of results) {
        if (result.status === "rejected") {
          assert(result.reason instanceof OperationError, String(result.reason));
          same(result.reason.kind, "quota_exceeded");
        }
      }
      same((await a.quota.usage(bob.id)).reserved, 90);
      // Extending at once from both sides: the 10 bytes left go to one of them.
      const extended = await Promise.allSettled(
        taken.map((upload, index) => (index % 2 === 0 ? a : b).quota.extend(upload, 10, "x")),
      );
      same(fulfilled(extended).length, 1, `round ${round}: extends of 10 in 10`);
      same((await b.quota.usage(bob.id)).reserved, 100);
      await Promise.all(taken.map((upload) => a.quota.settle(upload, 0)));
    }
  },

  "partials: save replaces, get, touch, delete": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    const before = Date.now();
    await a.partials.save({ userId: bob.id, path: "/a", partial: "p1", size: 10, source: "s1" });
    const saved = await b.partials.get(bob.id, "/a");
    same(saved && { ...saved, updatedAt: 0 }, {
      userId: bob.id,
      path: "/a",
      partial: "p1",
      size: 10,
      source: "s1",
      updatedAt: 0,
    });
    assert(saved!.updatedAt >= before);
    await b.partials.save({ userId: bob.id, path: "/a", partial: "p2", size: null, source: null });
    const replaced = await a.partials.get(bob.id, "/a");
    same([replaced?.partial, replaced?.size, replaced?.source], ["p2", null, null]);
    await a.partials.touch(bob.id, "/a");
    assert((await b.partials.get(bob.id, "/a"))!.updatedAt >= replaced!.updatedAt);
    await b.partials.delete(bob.id, "/a");
    same(await a.partials.get(bob.id, "/a"), undefined);
  },

  "partials: staleSince lists idle records whose upload is not running": async (a, b) => {
    const bob = await a.accounts.insert(account("bob"));
    await a.partials.save({ userId: bob.id, path: "/idle", partial: "p1", size: 1, source: null });
    await a.partials.save({ userId: bob.id, path: "/busy", partial: "p2", size: 1, source: null });
    await b.quota.reserve(bob.id, { partial: "p2", base: 0, bytes: 1, what: "x" });
    same(await b.partials.staleSince(0), []);
    const stale = await b.partials.staleSince(Date.now() + 1000);
    same(stale.map((record) => record.path), ["/idle"]);
  },

  "hashes: a digest is found only for the same file version": async (a, b) => {
    const version = { dev: 2049, ino: 77, size: 1000, mtime: 1_700_000_000_123 };
    same(await a.hashes.get(version), null);
    await a.hashes.set(version, "aa".repeat(32));
    same(await b.hashes.get(version), "aa".repeat(32));
    same(await b.hashes.get({ ...version, size: 1001 }), null);
    same(await b.hashes.get({ ...version, mtime: version.mtime + 1 }), null);
    const newer = { ...version, size: 2000 };
    await b.hashes.set(newer, "bb".repeat(32));
    same(await a.hashes.get(newer), "bb".repeat(32));
    same(await a.hashes.get(version), null);
  },

  "sessions: open within limits, set user and activity, list, close, reset": async (a, b) => {
    const limits = { maxTotal: 3, maxPerAddress: 2 };
    const first = await a.sessions.openWithin("10.0.0.1", 5000, "ftpx", limits);
    const second = await b.sessions.openWithin("10.0.0.1", 5001, "ftp", limits);
    assert("id" in first && "id" in second);
    same(await a.sessions.openWithin("10.0.0.1", 5002, "ftp", limits), {
      full: "address",
      count: 2,
    });
    const third = await a.sessions.openWithin("10.0.0.2", 5003, "ftpx", limits);
    assert("id" in third);
    same(await b.sessions.openWithin("10.0.0.3", 5004, "ftpx", limits), {
      full: "total",
      count: 3,
    });
    await b.sessions.setUser(first.id, "bob");
    await b.sessions.setActivity(first.id, "get /big.iso");
    const listed = await a.sessions.list();
    same(listed.map((session) => session.id), [first.id, second.id, third.id]);
    const [bob] = listed;
    same({ ...bob!, since: 0 }, {
      id: first.id,
      node: "node-a",
      address: "10.0.0.1",
      port: 5000,
      protocol: "ftpx",
      user: "bob",
      since: 0,
      activity: "get /big.iso",
    });
    await a.sessions.setActivity(first.id, null);
    same((await b.sessions.list())[0]?.activity, null);
    same(await b.sessions.countByAddress("10.0.0.1"), 2);
    await a.sessions.close(second.id);
    same(await b.sessions.countByAddress("10.0.0.1"), 1);
    same(await b.sessions.count(), 2);
    await a.sessions.reset();
    same(await b.sessions.count(), 0);
  },

  "nodes: this node's lease is held and renewed; a live node is never released": async (a, b) => {
    same(a.nodes.self, "node-a");
    await a.nodes.join();
    await b.nodes.join();
    same(await a.nodes.heartbeat(), true);
    same(await b.nodes.heartbeat(), true);
    const limits = { maxTotal: 10, maxPerAddress: 10 };
    assert("id" in await a.sessions.openWithin("10.0.0.1", 1, "ftpx", limits));
    const user = await a.accounts.insert(account("bob"));
    await a.quota.reserve(user.id, { partial: "p", base: 0, bytes: 5, what: "/x" });
    same(await b.nodes.releaseExpired(60_000), []);
    same(await b.nodes.releasedWithLeftovers(), []);
    same(await b.sessions.closeReleased("node-a"), 0);
    same(await b.quota.releasedReservations("node-a"), []);
    same(await a.sessions.count(), 1);
    same((await a.nodes.list()).map(({ node, released }) => ({ node, released })), [
      { node: "node-a", released: false },
    ]);
    same(await a.nodes.heartbeat(), true);
  },

  "sessions: openings at once from two connections never exceed the limits": async (a, b) => {
    const limits = { maxTotal: 5, maxPerAddress: 3 };
    const results = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        (index % 2 === 0 ? a : b).sessions.openWithin(
          index < 8 ? "10.0.0.1" : "10.0.0.2",
          6000 + index,
          "ftpx",
          limits,
        )),
    );
    const opened = results.filter((result) => "id" in result);
    same(opened.length, 5);
    same(await a.sessions.count(), 5);
    assert(await a.sessions.countByAddress("10.0.0.1") <= 3);
    assert(await a.sessions.countByAddress("10.0.0.2") <= 3);
  },

  "sessions: an end request is seen by another connection and moves the change stamp": async (
    a,
    b,
  ) => {
    const limits = { maxTotal: 10, maxPerAddress: 10 };
    const opened = await a.sessions.openWithin("10.0.0.1", 5000, "ftp", limits);
    assert("id" in opened);
    same(await b.sessions.endRequested(opened.id), false);
    const stamp = await b.accounts.changeStamp();
    same(await a.sessions.requestEnd(opened.id), true);
    same(await b.sessions.endRequested(opened.id), true);
    assert((await b.accounts.changeStamp()) !== stamp, "the change stamp did not move");
    same(await a.sessions.requestEnd(opened.id + 1000), false);
    await a.sessions.close(opened.id);
    same(await b.sessions.endRequested(opened.id), true, "a closed session counts as ended");
  },

  "web sessions: create, get, touch, delete with their live session, expire": async (a, b) => {
    const limits = { maxTotal: 10, maxPerAddress: 10 };
    const live = [
      await a.sessions.openWithin("10.0.0.1", 1, "http", limits),
      await a.sessions.openWithin("10.0.0.1", 2, "http", limits),
      await a.sessions.openWithin("10.0.0.1", 3, "http", limits),
    ].map((opened) => {
      assert("id" in opened);
      return opened.id;
    });
    const record = (tokenHash: string, sessionId: number, expiresAt: number) => ({
      tokenHash,
      sessionId,
      userId: 7,
      credential: "stamp",
      csrf: `csrf-${tokenHash}`,
      createdAt: 1000,
      expiresAt,
    });
    await a.webSessions.create(record("t1", live[0]!, 5000));
    await a.webSessions.create(record("t2", live[1]!, 2000));
    await a.webSessions.create(record("t3", live[2]!, 9000));
    same(await b.webSessions.get("t1"), record("t1", live[0]!, 5000));
    same(await b.webSessions.get("nope"), undefined);
    await b.webSessions.touch("t1", 8000);
    same((await a.webSessions.get("t1"))?.expiresAt, 8000);
    same(await b.webSessions.delete("t1"), true);
    same(await b.webSessions.delete("t1"), false);
    same(await a.webSessions.get("t1"), undefined);
    same((await a.sessions.list()).map((session) => session.id), [live[1], live[2]]);
    same(await a.webSessions.expire(3000), 1);
    same(await a.webSessions.get("t2"), undefined);
    same((await b.sessions.list()).map((session) => session.id), [live[2]]);
    await b.sessions.reset();
    same(await a.webSessions.get("t3"), undefined, "a reset registry ends browser sessions");
  },

  "admin actions: newest first, at most the limit": async (a, b) => {
    for (let index = 0; index < 5; index++) {
      await (index % 2 === 0 ? a : b).adminActions.record({
        at: 1000 + index,
        by: "admin",
        peer: "127.0.0.1:1",
        action: "disable",
        target: `user${index}`,
        detail: "",
      });
    }
    const recent = await b.adminActions.recent(3);
    same(recent.map((action) => action.target), ["user4", "user3", "user2"]);
    same(recent[0], {
      at: 1004,
      by: "admin",
      peer: "127.0.0.1:1",
      action: "disable",
      target: "user4",
      detail: "",
    });
  },

  "login attempts: failures ban at the threshold, and the ban holds": async (a, b) => {
    const now = 1_800_000_000_000;
    const ban = { now, windowMs: 900_000, banAt: 3, banUntil: now + 900_000 };
    for (let failure = 1; failure <= 3; failure++) {
      const gate = await (failure % 2 ? a : b).loginAttempts.begin("10.0.0.9", {
        ...ATTEMPTS,
        now,
      });
      assert(gate.allowed, JSON.stringify(gate));
      const result = await (failure % 2 ? b : a).loginAttempts.fail(gate.attempt, "10.0.0.9", ban);
      same(result, { failures: failure, banned: failure === 3 });
    }
    same(await a.loginAttempts.begin("10.0.0.9", { ...ATTEMPTS, now: now + 1 }), {
      allowed: false,
      reason: "banned",
      until: now + 900_000,
    });
    // Another address is not concerned; after the ban, the slate is clean.
    assert((await b.loginAttempts.begin("10.0.0.8", { ...ATTEMPTS, now })).allowed);
    const after = await b.loginAttempts.begin("10.0.0.9", { ...ATTEMPTS, now: now + 900_000 });
    assert(after.allowed, JSON.stringify(after));
  },

  "login attempts: a success doesn't count; the rate limit counts the last minute": async (
    a,
    b,
  ) => {
    const now = 1_800_000_000_000;
    const limits = { ...ATTEMPTS, perMinute: 2, maxOpen: 100, now };
    const ok = await a.loginAttempts.begin("10.0.0.7", limits);
    assert(ok.allowed);
    await b.loginAttempts.succeed(ok.attempt);
    const ban = { now, windowMs: 900_000, banAt: 100, banUntil: now + 900_000 };
    for (let index = 0; index < 2; index++) {
      const gate = await b.loginAttempts.begin("10.0.0.7", { ...limits, now: now + index });
      assert(gate.allowed, JSON.stringify(gate));
      await a.loginAttempts.fail(gate.attempt, "10.0.0.7", ban);
    }
    same(await a.loginAttempts.begin("10.0.0.7", { ...limits, now: now + 10 }), {
      allowed: false,
      reason: "rate",
      oldest: now,
    });
    const later = await a.loginAttempts.begin("10.0.0.7", { ...limits, now: now + 60_001 });
    assert(later.allowed, JSON.stringify(later));
  },

  "login attempts: parallel attempts past the ban threshold wait as busy": async (a, b) => {
    const now = 1_800_000_000_000;
    const gates = await Promise.all(
      Array.from(
        { length: 12 },
        (_, index) =>
          (index % 2 === 0 ? a : b).loginAttempts.begin("10.0.0.6", { ...ATTEMPTS, now }),
      ),
    );
    const allowed = gates.flatMap((gate) => gate.allowed ? [gate.attempt] : []);
    same(allowed.length, ATTEMPTS.maxOpen);
    for (const gate of gates) {
      if (!gate.allowed) same(gate, { allowed: false, reason: "busy" });
    }
    // Their failures, recorded at once, ban the address exactly once they reach the threshold.
    const ban = { now, windowMs: 900_000, banAt: 3, banUntil: now + 900_000 };
    const outcomes = await Promise.all(
      allowed.map((attempt, index) =>
        (index % 2 === 0 ? b : a).loginAttempts.fail(attempt, "10.0.0.6", ban)
      ),
    );
    same(outcomes.map((outcome) => outcome.failures).sort(), [1, 2, 3]);
    same(outcomes.filter((outcome) => outcome.banned).length, 1);
    const gate = await a.loginAttempts.begin("10.0.0.6", { ...ATTEMPTS, now: now + 1 });
    same(gate, { allowed: false, reason: "banned", until: now + 900_000 });
  },

  "registrations: at most the limit per window, counted at once from two connections": async (
    a,
    b,
  ) => {
    const now = 1_800_000_000_000;
    const options = { limit: 3, windowMs: 3_600_000, now };
    const waits = await Promise.all(
      Array.from(
        { length: 10 },
        (_, index) => (index % 2 === 0 ? a : b).registrations.take("10.0.0.5", options),
      ),
    );
    same(waits.filter((wait) => wait === 0).length, 3);
    for (const wait of waits) if (wait !== 0) same(wait, 3_600_000);
    same(await a.registrations.take("10.0.0.4", options), 0);
    same(await b.registrations.take("10.0.0.5", { ...options, now: now + 1000 }), 3_599_000);
    same(await b.registrations.take("10.0.0.5", { ...options, now: now + 3_600_000 }), 0);
  },

  "public keys: add, list oldest first, get, remove; a second add of one key is exists": async (
    a,
    b,
  ) => {
    const alice = await a.accounts.insert(account("alice"));
    const bob = await a.accounts.insert(account("bob"));
    const key = (fingerprint: string, addedAt: number) => ({
      userId: alice.id,
      fingerprint,
      type: "ssh-ed25519",
      blob: new Uint8Array([0, 0, 0, 1, 0xff, addedAt % 256]),
      comment: `key ${fingerprint}`,
      addedAt,
    });
    await a.publicKeys.add(key("SHA256:two", 2000));
    await b.publicKeys.add(key("SHA256:one", 1000));
    await assertOperationError(() => b.publicKeys.add(key("SHA256:one", 3000)), "exists");
    await b.publicKeys.add({ ...key("SHA256:one", 3000), userId: bob.id });
    const listed = await a.publicKeys.list(alice.id);
    same(listed.map((k) => k.fingerprint), ["SHA256:one", "SHA256:two"]);
    const found = await b.publicKeys.get(alice.id, "SHA256:two");
    assert(found !== undefined && found.blob instanceof Uint8Array);
    same([...found.blob], [0, 0, 0, 1, 0xff, 2000 % 256]);
    same({ ...found, blob: null }, { ...key("SHA256:two", 2000), blob: null });
    same(await a.publicKeys.get(alice.id, "SHA256:none"), undefined);
    same(await a.publicKeys.remove(alice.id, "SHA256:one"), true);
    same(await b.publicKeys.remove(alice.id, "SHA256:one"), false);
    same((await b.publicKeys.list(bob.id)).length, 1, "another user's key stays");
    await a.accounts.delete(alice.id);
    same(await b.publicKeys.list(alice.id), [], "an account's keys go with it");
  },

  "public keys: adding or removing one moves changeStamp, from either connection": async (
    a,
    b,
  ) => {
    const alice = await a.accounts.insert(account("alice"));
    const before = await a.accounts.changeStamp();
    await b.publicKeys.add({
      userId: alice.id,
      fingerprint: "SHA256:k",
      type: "ssh-ed25519",
      blob: new Uint8Array([1]),
      comment: "",
      addedAt: 1,
    });
    const afterAdd = await a.accounts.changeStamp();
    assert.notEqual(afterAdd, before);
    await b.publicKeys.remove(alice.id, "SHA256:k");
    assert.notEqual(await a.accounts.changeStamp(), afterAdd);
  },
};
