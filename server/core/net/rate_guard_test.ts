import assert from "node:assert/strict";
import { RateGuard, readCount } from "./rate_guard.ts";

/** An operation that completes after `ms` with `bytes`. */
function after(ms: number, bytes: number): Promise<number> {
  return new Promise((resolve) => setTimeout(() => resolve(bytes), ms));
}

Deno.test("RateGuard cuts a stream slower than the minimum over the window", async () => {
  let slow = 0;
  const guard = new RateGuard({ minRate: 1000, windowMs: 50, onSlow: () => slow++ });
  // 1 byte every 10 ms: 100 B/s.
  for (let index = 0; index < 10 && !guard.slow; index++) {
    await guard.measure(after(10, 1), (bytes) => bytes);
  }
  assert.equal(slow, 1);
  assert.ok(guard.slow);
  await guard.measure(after(1, 1), (bytes) => bytes); // Fires once only.
  assert.equal(slow, 1);
});

Deno.test("RateGuard lets a fast stream go, and counts only the time operations are pending", async () => {
  let slow = 0;
  const guard = new RateGuard({ minRate: 1000, windowMs: 20, onSlow: () => slow++ });
  for (let index = 0; index < 10; index++) {
    await guard.measure(after(5, 64 * 1024), (bytes) => bytes);
    // Time between operations (the server's own disk, the next request) is not counted.
    await after(20, 0);
    await guard.measure(Promise.resolve(10), (bytes) => bytes);
  }
  assert.equal(slow, 0);
});

Deno.test("RateGuard with minRate 0 is off; a failed operation counts its time", async () => {
  let slow = 0;
  const off = new RateGuard({ minRate: 0, windowMs: 1, onSlow: () => slow++ });
  await off.measure(after(5, 0), (bytes) => bytes);
  assert.equal(slow, 0);
  const on = new RateGuard({ minRate: 1000, windowMs: 5, onSlow: () => slow++ });
  const failing: Promise<number | null> = after(10, 0).then(() => {
    throw new Error("x");
  });
  await assert.rejects(on.measure(failing, readCount));
  assert.equal(slow, 1);
});
