import assert from "node:assert/strict";
import { openDatabase } from "../../store/sqlite/database.ts";
import { SqliteRegistrationStore } from "../../store/sqlite/registrations.ts";
import { takeRegistrationSlot } from "./registration.ts";

Deno.test("takeRegistrationSlot() allows the limit per address per window, then says how long to wait", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-register-" });
  const db = openDatabase(dir);
  const store = new SqliteRegistrationStore(db);
  try {
    const limit = { limit: 2, windowMs: 60_000 };
    assert.equal(await takeRegistrationSlot(store, "10.0.0.1", { ...limit, now: 1_000_000 }), 0);
    assert.equal(await takeRegistrationSlot(store, "10.0.0.1", { ...limit, now: 1_010_000 }), 0);
    assert.equal(
      await takeRegistrationSlot(store, "10.0.0.1", { ...limit, now: 1_020_000 }),
      40_000,
    );
    assert.equal(await takeRegistrationSlot(store, "10.0.0.2", { ...limit, now: 1_020_000 }), 0);
    // The first attempt has left the window: one more is allowed, then the limit holds again.
    assert.equal(await takeRegistrationSlot(store, "10.0.0.1", { ...limit, now: 1_060_001 }), 0);
    assert.equal(
      await takeRegistrationSlot(store, "10.0.0.1", { ...limit, now: 1_060_002 }),
      9_998,
    );
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("takeRegistrationSlot() forgets attempts older than the window", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-register-" });
  const db = openDatabase(dir);
  const store = new SqliteRegistrationStore(db);
  try {
    const limit = { limit: 5, windowMs: 1000 };
    for (let i = 0; i < 5; i++) {
      await takeRegistrationSlot(store, `10.0.0.${i}`, { ...limit, now: i });
    }
    await takeRegistrationSlot(store, "10.0.0.9", { ...limit, now: 10_000 });
    const row = db.prepare("SELECT count(*) AS n FROM registrations").get() as { n: number };
    assert.equal(row.n, 1);
  } finally {
    db.close();
    await Deno.remove(dir, { recursive: true });
  }
});
