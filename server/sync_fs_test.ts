import assert from "node:assert/strict";
import { MAX_HOT_PATHS, SLOW_SYNC_CALL_MS, SyncFs } from "./sync_fs.ts";

Deno.test("SyncFs: a path is hot once resolved, and only then", () => {
  const fs = new SyncFs();
  assert.equal(fs.isHot("/data/home/al/a.txt"), false);
  fs.touch("/data/home/al/a.txt");
  assert.equal(fs.isHot("/data/home/al/a.txt"), true);
  assert.equal(fs.isHot("/data/home/al/b.txt"), false);
});

Deno.test("SyncFs remembers a bounded number of hot paths, forgetting the least recently used", () => {
  const fs = new SyncFs();
  fs.touch("/first");
  fs.touch("/second");
  for (let i = 0; i < MAX_HOT_PATHS - 2; i++) fs.touch(`/other/${i}`);
  fs.touch("/first"); // Used again: now the most recent.
  fs.touch("/one-too-many");
  assert.equal(fs.isHot("/first"), true);
  assert.equal(fs.isHot("/second"), false);
  assert.equal(fs.isHot("/one-too-many"), true);
});

Deno.test("SyncFs: one slow synchronous call turns synchronous calls off, hot paths included", () => {
  const fs = new SyncFs();
  fs.touch("/a");
  assert.equal(fs.run(() => 42), 42);
  assert.equal(fs.enabled, true);
  // A call that holds the thread as a disk seek would.
  fs.run(() => {
    const started = performance.now();
    while (performance.now() - started <= SLOW_SYNC_CALL_MS * 2) { /* busy */ }
  });
  assert.equal(fs.enabled, false);
  assert.equal(fs.isHot("/a"), false);
});

Deno.test("SyncFs.run() passes errors through and still times the call", () => {
  const fs = new SyncFs();
  assert.throws(() =>
    fs.run(() => {
      throw new Deno.errors.NotFound("gone");
    }), Deno.errors.NotFound);
  assert.equal(fs.enabled, true);
});

Deno.test("SyncFs remembers how many entries a directory had when it was last listed", () => {
  const fs = new SyncFs();
  assert.equal(fs.listedEntries("/data/home/al/docs"), null);
  fs.touch("/data/home/al/docs");
  assert.equal(fs.listedEntries("/data/home/al/docs"), null);
  fs.listed("/data/home/al/docs", 120);
  fs.touch("/data/home/al/docs"); // Resolving it again keeps what the listing found.
  assert.equal(fs.listedEntries("/data/home/al/docs"), 120);
  assert.equal(fs.isHot("/data/home/al/docs"), true);
});

Deno.test("SyncFs.run() counts only the time beyond what the call is expected to take", () => {
  const fs = new SyncFs();
  const busy = (ms: number) => () => {
    const started = performance.now();
    while (performance.now() - started <= ms) { /* busy */ }
  };
  fs.run(busy(SLOW_SYNC_CALL_MS * 2), 1000);
  assert.equal(fs.enabled, true);
  fs.run(busy(SLOW_SYNC_CALL_MS * 2));
  assert.equal(fs.enabled, false);
});
