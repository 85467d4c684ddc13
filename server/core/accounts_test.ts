import assert from "node:assert/strict";
import { join } from "node:path";
import { Accounts } from "./accounts.ts";
import { openDatabase, schemaVersion } from "../store/sqlite/database.ts";
import { MIGRATIONS } from "../store/sqlite/migrations.ts";
import { hashPassword } from "./auth/password.ts";

async function withStore(work: (store: Accounts) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-accounts-" });
  const store = await Accounts.open(dir);
  try {
    await work(store);
  } finally {
    await store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("recheck() returns the account as it is now: a new quota shows at once", async () => {
  await withStore(async (store) => {
    const bob = await store.create({ name: "bob", password: "bob-secret", quota: 1000 });
    await store.setQuota("bob", 10);
    const result = await store.recheck(bob);
    assert.ok("account" in result);
    assert.equal(result.account.quota, 10);
  });
});

Deno.test("recheck() ends sessions of a disabled, deleted or recreated account, or after a password change", async () => {
  await withStore(async (store) => {
    const bob = await store.create({ name: "bob", password: "bob-secret" });
    await store.setDisabled("bob", true);
    assert.deepEqual(await store.recheck(bob), { ended: 'account "bob" was disabled' });
    await store.setDisabled("bob", false);
    assert.ok("account" in await store.recheck(bob));

    await store.setPassword("bob", "new-secret");
    assert.deepEqual(await store.recheck(bob), {
      ended: 'the password of "bob" was changed: log in again',
    });

    const current = (await store.get("bob"))!;
    await store.remove("bob", { purge: true });
    assert.deepEqual(await store.recheck(current), { ended: 'account "bob" was deleted' });
    // The same name (and possibly the same id) again: still not the session's account.
    await store.create({ name: "bob", password: "third-secret" });
    assert.ok("ended" in await store.recheck(current));
  });
});

Deno.test("recheck() sees changes made after it last found the account current", async () => {
  await withStore(async (store) => {
    const created = await store.create({ name: "bob", password: "bob-secret", quota: 1000 });
    const first = await store.recheck(created);
    assert.ok("account" in first);
    const again = await store.recheck(first.account);
    assert.ok("account" in again);
    // Through this connection: a quota change, then a disabled account.
    await store.setQuota("bob", 10);
    const changed = await store.recheck(again.account);
    assert.ok("account" in changed);
    assert.equal(changed.account.quota, 10);
    await store.setDisabled("bob", true);
    assert.deepEqual(await store.recheck(changed.account), { ended: 'account "bob" was disabled' });
  });
});

Deno.test("recheck() sees changes committed by another connection (another thread, a host command)", async () => {
  await withStore(async (store) => {
    const created = await store.create({ name: "bob", password: "bob-secret" });
    const current = await store.recheck(created);
    assert.ok("account" in current);
    assert.ok("account" in await store.recheck(current.account));
    const other = await Accounts.open(store.dataDir);
    try {
      await other.setPassword("bob", "new-secret");
    } finally {
      await other.close();
    }
    assert.deepEqual(await store.recheck(current.account), {
      ended: 'the password of "bob" was changed: log in again',
    });
  });
});

Deno.test("changePassword() needs the current password", async () => {
  await withStore(async (store) => {
    await store.create({ name: "carol", password: "carol-secret" });
    assert.equal(await store.changePassword("carol", "wrong-secret", "other-secret"), null);
    assert.ok(await store.authenticate("carol", "carol-secret"));
    const changed = await store.changePassword("carol", "carol-secret", "other-secret");
    assert.equal(changed?.name, "carol");
    assert.equal(await store.authenticate("carol", "carol-secret"), null);
    assert.ok(await store.authenticate("carol", "other-secret"));
  });
});

Deno.test("remove() keeps the home under deleted/ unless purged; a new account starts empty", async () => {
  await withStore(async (store) => {
    await store.create({ name: "dave", password: "dave-secret" });
    await Deno.writeTextFile(join(join(store.dataDir, "home", "dave"), "notes.txt"), "keep me");
    const { keptHome } = await store.remove("dave");
    assert.ok(keptHome?.startsWith(join(store.dataDir, "deleted", "dave-")));
    assert.equal(await Deno.readTextFile(join(keptHome!, "notes.txt")), "keep me");
    assert.equal(await store.get("dave"), undefined);

    await store.create({ name: "dave", password: "dave-secret" });
    assert.deepEqual(await Array.fromAsync(Deno.readDir(join(store.dataDir, "home", "dave"))), []);
    await Deno.writeTextFile(join(join(store.dataDir, "home", "dave"), "b.txt"), "gone");
    assert.deepEqual(await store.remove("dave", { purge: true }), { keptHome: null });
    await assert.rejects(Deno.stat(join(store.dataDir, "home", "dave")), Deno.errors.NotFound);
    // The first home is still kept; the purged one left nothing behind.
    const kept = (await Array.fromAsync(Deno.readDir(join(store.dataDir, "deleted")))).map((e) =>
      e.name
    );
    assert.deepEqual(kept, [keptHome!.split("/").pop()]);
    await assert.rejects(store.remove("dave"), /No user "dave"/);
  });
});

Deno.test("replaceUsed() only replaces the figure it expects", async () => {
  await withStore(async (store) => {
    await store.create({ name: "erin", password: "erin-secret" });
    assert.equal(await store.stores.accounts.replaceUsed("erin", 5, 100), false);
    assert.equal(await store.stores.accounts.replaceUsed("erin", 0, 100), true);
    assert.equal((await store.get("erin"))!.used, 100);
  });
});

Deno.test("replaceUsed() leaves the figure alone while an upload of the account is in flight", async () => {
  await withStore(async (store) => {
    const erin = await store.create({ name: "erin", password: "erin-secret" });
    // An upload in flight holds a reservation in the quota ledger.
    const reservation = await store.stores.quota.reserve(erin.id, {
      partial: "0".repeat(32),
      base: 0,
      bytes: 10,
      what: "x",
    });
    assert.equal(await store.stores.accounts.replaceUsed("erin", 0, 100), false);
    await store.stores.quota.settle(reservation, 0);
    assert.equal(await store.stores.accounts.replaceUsed("erin", 0, 100), true);
  });
});

Deno.test("a database at schema 1 migrates to the latest with its accounts intact", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-migrate-" });
  try {
    const old = openDatabase(dir, { upToVersion: 1 });
    assert.equal(schemaVersion(old), 1);
    old.prepare(
      "INSERT INTO users (name, password_hash, admin, quota_bytes, created_at) VALUES (?, ?, ?, ?, ?)",
    ).run("olduser", await hashPassword("old-secret"), 1, 2048, 1_700_000_000_000);
    old.close();

    const store = await Accounts.open(dir);
    try {
      const db = openDatabase(dir);
      assert.equal(schemaVersion(db), MIGRATIONS.length);
      db.close();
      const account = await store.authenticate("olduser", "old-secret");
      assert.ok(account);
      assert.equal(account.admin, true);
      assert.equal(account.quota, 2048);
      assert.equal(account.used, 0);
      assert.equal(account.disabled, false);
      assert.equal(account.lastLogin, null);
      assert.equal(account.createdAt, 1_700_000_000_000);
    } finally {
      await store.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
