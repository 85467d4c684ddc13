import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ByteBudget,
  Gate,
  LARGE_LISTING_ENTRIES,
  LARGE_LISTINGS_AT_ONCE,
  largeListings,
  listingBudget,
} from "./list_gate.ts";
import { Vfs } from "./vfs.ts";

Deno.test("Gate runs at most its size at once, in order, and frees a place when an action throws", async () => {
  const gate = new Gate(2);
  let running = 0;
  let most = 0;
  const order: number[] = [];
  const runs = Array.from({ length: 6 }, (_, index) =>
    gate.run(async () => {
      running++;
      most = Math.max(most, running);
      await new Promise((resolve) => setTimeout(resolve, 0));
      order.push(index);
      running--;
      if (index === 1) throw new Error("boom");
    }).catch(() => "failed"));
  assert.deepEqual((await Promise.all(runs)).filter((result) => result === "failed").length, 1);
  assert.equal(most, 2);
  assert.deepEqual(order, [0, 1, 2, 3, 4, 5]);
  assert.equal(gate.active, 0);
});

/** A home with `/big`, a large directory, and `/small`, an empty one; removed on dispose. */
async function homeWithBigDirectory(): Promise<AsyncDisposable & { vfs: Vfs }> {
  const home = await Deno.makeTempDir({ prefix: "ftpx-list-gate-" });
  await Deno.mkdir(join(home, "big"));
  for (let i = 0; i < LARGE_LISTING_ENTRIES; i++) {
    await Deno.writeTextFile(join(home, "big", `entry-${i}`), "");
  }
  await Deno.mkdir(join(home, "small"));
  return {
    vfs: await Vfs.open(home),
    [Symbol.asyncDispose]: () => Deno.remove(home, { recursive: true }),
  };
}

Deno.test("Vfs.list() of large directories waits for the gate: a thread describes a few at once", async () => {
  await using home = await homeWithBigDirectory();
  const { vfs } = home;
  let most = 0;
  const { lstatSync, lstat } = Deno;
  const watch = <A extends unknown[], R>(call: (...args: A) => R) => (...args: A): R => {
    most = Math.max(most, largeListings.active);
    return call(...args);
  };
  Object.assign(Deno, { lstatSync: watch(lstatSync), lstat: watch(lstat) });
  try {
    const listings = await Promise.all(Array.from({ length: 8 }, () => vfs.list("/big")));
    for (const entries of listings) assert.equal(entries.length, LARGE_LISTING_ENTRIES);
  } finally {
    Object.assign(Deno, { lstatSync, lstat });
  }
  assert.ok(most >= 1 && most <= LARGE_LISTINGS_AT_ONCE, `${most} at once`);
  assert.equal(largeListings.active, 0);
});

Deno.test("ByteBudget grants in order and waits for room, with no overtaking", async () => {
  const budget = new ByteBudget(100, 60_000);
  const first = await budget.reserve(60);
  const order: string[] = [];
  const second = budget.reserve(60).then((release) => (order.push("second"), release));
  const third = budget.reserve(10).then((release) => (order.push("third"), release));
  assert.equal(budget.waiting, 2, "a small one waits behind a large one");
  first();
  first();
  const releaseSecond = await second;
  const releaseThird = await third;
  assert.deepEqual(order, ["second", "third"]);
  assert.equal(budget.held, 70, "a release counts once");
  releaseSecond();
  releaseThird();
  assert.equal(budget.held, 0);
  const whole = await budget.reserve(1000);
  assert.equal(budget.held, 100, "a reservation larger than the budget takes all of it");
  whole();
});

Deno.test("ByteBudget lets a waiter go ahead only when no holder gave anything back for the stall time", async () => {
  const budget = new ByteBudget(100, 1000);
  const stuck = await budget.reserve(50);
  const moving = await Promise.all(Array.from({ length: 5 }, () => budget.reserve(10)));
  let granted = false;
  const waiter = budget.reserve(60).then((release) => ((granted = true), release));
  // Holders that keep giving back (each release restarts the stall time) keep it waiting,
  // though together it is five times the stall time: 0.2 s between releases, 1 s allowed.
  const began = performance.now();
  for (const release of moving.slice(0, 4)) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    assert.equal(granted, false, "still waiting while holders give back");
  }
  const release = await waiter;
  assert.ok(performance.now() - began >= 1800, "granted only after a stall time without progress");
  assert.equal(budget.held, 120, "past a stall it goes ahead, over the budget");
  for (const done of [stuck, release, moving[4]!]) done();
  assert.equal(budget.held, 0);
});

Deno.test("a large listing holds its share of the listing budget until it is closed", async () => {
  await using home = await homeWithBigDirectory();
  const { vfs } = home;
  const held = listingBudget.held;
  const listing = await vfs.openListing("/big");
  assert.equal(listing.length, LARGE_LISTING_ENTRIES);
  assert.ok(listingBudget.held > held, "the open listing holds budget");
  using small = await vfs.openListing("/small");
  assert.equal(small.length, 0);
  listing.close();
  assert.equal(listingBudget.held, held, "closing gives it back");
  assert.equal((await vfs.list("/big")).length, LARGE_LISTING_ENTRIES);
  assert.equal(listingBudget.held, held, "list() gives it back once it has the entries");
});
