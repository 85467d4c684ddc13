import assert from "node:assert/strict";
import { guardSink, StallGuard } from "./stall_guard.ts";

Deno.test("stallGuard fires once for an operation that never completes", async () => {
  let stalls = 0;
  let closeConnection: () => void = () => {};
  const never = new Promise<number>((_, reject) =>
    closeConnection = () => reject(new Error("closed"))
  );
  using guard = new StallGuard({
    timeoutMs: 20,
    onStall: () => {
      stalls++;
      closeConnection();
    },
  });
  await assert.rejects(guard.watch(never), /closed/);
  assert.equal(stalls, 1);
  assert.ok(guard.stalled);
});

Deno.test("stallGuard stays quiet while every operation completes, however many", async () => {
  let stalls = 0;
  using guard = new StallGuard({ timeoutMs: 1000, onStall: () => stalls++ });
  const started = performance.now();
  let operations = 0;
  // Keep operations flowing for longer than the timeout (so its timer fires and re-arms
  // mid-stream); each completes on the next turn of the event loop.
  while (performance.now() - started < 2500) {
    await guard.watch(new Promise((resolve) => setTimeout(resolve, 0)));
    operations++;
  }
  assert.ok(operations > 3);
  assert.equal(stalls, 0);
  assert.equal(guard.stalled, false);
});

Deno.test("guardSink() watches every write to the sink", async () => {
  const writes: number[] = [];
  let stalled = false;
  let release: () => void = () => {};
  const sink = {
    write(data: Uint8Array) {
      writes.push(data.length);
      if (writes.length === 1) return Promise.resolve(data.length);
      return new Promise<number>((resolve) => release = () => resolve(0));
    },
  };
  using guard = new StallGuard({
    timeoutMs: 20,
    onStall: () => {
      stalled = true;
      release();
    },
  });
  const guarded = guardSink(sink, guard);
  assert.equal(await guarded.write(new Uint8Array(3)), 3);
  assert.equal(await guarded.write(new Uint8Array(5)), 0);
  assert.deepEqual(writes, [3, 5]);
  assert.ok(stalled);
});

Deno.test("stallGuard.begin() fires after the timeout unless end() came first", async () => {
  let stalls = 0;
  let stalled: () => void = () => {};
  const fired = new Promise<void>((resolve) => stalled = resolve);
  using guard = new StallGuard({
    timeoutMs: 50,
    onStall: () => {
      stalls++;
      stalled();
    },
  });
  // Ended in time, many times over: no stall.
  for (let i = 0; i < 100; i++) {
    guard.begin();
    guard.end();
  }
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(stalls, 0);
  // Left pending: fires once.
  guard.begin();
  await fired;
  assert.equal(stalls, 1);
  assert.ok(guard.stalled);
});
