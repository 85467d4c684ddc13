import assert from "node:assert/strict";
import { join } from "node:path";
import { Gate, LARGE_LISTING_ENTRIES, LARGE_LISTINGS_AT_ONCE, largeListings } from "./list_gate.ts";
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

Deno.test("Vfs.list() of large directories waits for the gate: a thread describes a few at once", async () => {
  const home = await Deno.makeTempDir({ prefix: "ftpx-list-gate-" });
  try {
    await Deno.mkdir(join(home, "big"));
    for (let i = 0; i < LARGE_LISTING_ENTRIES; i++) {
      await Deno.writeTextFile(join(home, "big", `entry-${i}`), "");
    }
    const vfs = await Vfs.open(home);
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
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});
