import assert from "node:assert/strict";
import {
  directoryStamp,
  MAX_HOT_PATHS,
  SLOW_CALL_RATIO,
  SLOW_CALLS_TO_TURN_OFF,
  SLOW_SYNC_CALL_MS,
  STALLED_SYNC_CALL_MS,
  SyncFs,
} from "./sync_fs.ts";

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

/** A call that holds the thread as a disk seek (or a preemption) would. */
function busy(ms: number): () => void {
  return () => {
    const started = performance.now();
    while (performance.now() - started <= ms) { /* busy */ }
  };
}

Deno.test("SyncFs: a few slow synchronous calls in a row turn them off, hot paths included", () => {
  const fs = new SyncFs();
  fs.touch("/a");
  assert.equal(fs.run(() => 42), 42);
  for (let i = 1; i < SLOW_CALLS_TO_TURN_OFF; i++) {
    fs.run(busy(SLOW_SYNC_CALL_MS * 2));
    assert.equal(fs.enabled, true, "one slow call alone may be a preemption");
  }
  fs.run(busy(SLOW_SYNC_CALL_MS * 2));
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
  assert.equal(fs.listedEntries("/data/home/al/docs", "1:2"), null);
  fs.touch("/data/home/al/docs");
  assert.equal(fs.listedEntries("/data/home/al/docs", "1:2"), null);
  fs.listed("/data/home/al/docs", 120, "1:2");
  fs.touch("/data/home/al/docs"); // Resolving it again keeps what the listing found.
  assert.equal(fs.listedEntries("/data/home/al/docs", "1:2"), 120);
  assert.equal(fs.isHot("/data/home/al/docs"), true);
  // Changed since, or another directory under that name: nothing is known of it.
  assert.equal(fs.listedEntries("/data/home/al/docs", "1:3"), null);
});

Deno.test("directoryStamp() changes when an entry is added, and differs between directories", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-stamp-" });
  try {
    await Deno.mkdir(`${dir}/a`);
    await Deno.mkdir(`${dir}/b`);
    const before = directoryStamp(await Deno.stat(`${dir}/a`));
    assert.equal(directoryStamp(await Deno.stat(`${dir}/a`)), before);
    assert.notEqual(directoryStamp(await Deno.stat(`${dir}/b`)), before);
    // Enough long names to outgrow a directory block: the change shows even within the
    // millisecond the times are given in.
    for (let i = 0; i < 40; i++) await Deno.writeTextFile(`${dir}/a/${"n".repeat(200)}${i}`, "");
    assert.notEqual(directoryStamp(await Deno.stat(`${dir}/a`)), before);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SyncFs: slow calls among many fast ones (a busy CPU preempting the thread) leave them on", () => {
  const fs = new SyncFs();
  for (let i = 0; i < SLOW_CALLS_TO_TURN_OFF; i++) {
    for (let fast = 0; fast < SLOW_CALL_RATIO; fast++) fs.run(() => fast);
    fs.run(busy(SLOW_SYNC_CALL_MS * 2));
  }
  assert.equal(fs.enabled, true);
});

Deno.test("SyncFs.run() counts only the time beyond what the call is expected to take", () => {
  const fs = new SyncFs();
  for (let i = 0; i < SLOW_CALLS_TO_TURN_OFF; i++) fs.run(busy(SLOW_SYNC_CALL_MS * 2), 1000);
  assert.equal(fs.enabled, true);
  for (let i = 0; i < SLOW_CALLS_TO_TURN_OFF; i++) fs.run(busy(SLOW_SYNC_CALL_MS * 2));
  assert.equal(fs.enabled, false);
});

Deno.test("SyncFs: one call that held the thread for long turns synchronous calls off at once", () => {
  // Calls as slow as a second or more (a hung disk, a huge directory swapped in) start a new
  // one-second window each: counting them among the calls of a window never added up.
  const fs = new SyncFs();
  fs.touch("/a");
  fs.run(busy(STALLED_SYNC_CALL_MS + 5), 1);
  assert.equal(fs.enabled, false);
  assert.equal(fs.isHot("/a"), false);
});

Deno.test("SyncFs: a call within what it was expected to cost is not a stall", () => {
  const fs = new SyncFs();
  fs.run(busy(STALLED_SYNC_CALL_MS + 5), STALLED_SYNC_CALL_MS + 50);
  assert.equal(fs.enabled, true);
});
