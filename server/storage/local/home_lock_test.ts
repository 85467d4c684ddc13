import assert from "node:assert/strict";
import { createHomeLockBuffer, HomeLock, homeLock, useHomeLockTable } from "./home_lock.ts";

/** A promise with its resolver, to hold a lock until the test says so. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => open = resolve);
  return { opened, open };
}

/** Lets every other ready task run (several turns of the event loop), without waiting on time. */
async function settle(): Promise<void> {
  for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setTimeout(resolve, 0));
}

function freshLock(): HomeLock {
  return new HomeLock(new Int32Array(createHomeLockBuffer()), 7);
}

Deno.test("HomeLock: readers share, a writer waits for them, and readers after it wait for it", async () => {
  const lock = freshLock();
  const events: string[] = [];
  const first = gate();
  const second = gate();
  const reading = [
    lock.shared(
      async () => (events.push("read 1 in"), await first.opened, events.push("read 1 out")),
    ),
    lock.shared(
      async () => (events.push("read 2 in"), await second.opened, events.push("read 2 out")),
    ),
  ];
  await settle();
  assert.deepEqual(events, ["read 1 in", "read 2 in"], "both readers hold it at once");
  const writing = lock.exclusive(() => events.push("write"));
  const late = lock.shared(() => events.push("read 3"));
  await settle();
  assert.deepEqual(events, ["read 1 in", "read 2 in"], "the writer and the late reader wait");
  first.open();
  await settle();
  assert.deepEqual(events.slice(2), ["read 1 out"]);
  second.open();
  await Promise.all([...reading, writing, late]);
  assert.deepEqual(events.slice(3), ["read 2 out", "write", "read 3"]);
});

Deno.test("HomeLock: a holder that throws releases the lock", async () => {
  const lock = freshLock();
  await assert.rejects(lock.exclusive(() => Promise.reject(new Error("boom"))), /boom/);
  await assert.rejects(lock.shared(() => Promise.reject(new Error("bang"))), /bang/);
  assert.equal(await lock.exclusive(() => "free"), "free");
  assert.equal(await lock.shared(() => "free"), "free");
});

Deno.test("homeLock() gives one home the same lock however often it is asked", async () => {
  const events: string[] = [];
  const held = gate();
  const writing = homeLock("/data/home/alice").exclusive(async () => {
    events.push("first in");
    await held.opened;
    events.push("first out");
  });
  const waiting = homeLock("/data/home/alice").shared(() => events.push("second"));
  await settle();
  assert.deepEqual(events, ["first in"]);
  held.open();
  await Promise.all([writing, waiting]);
  assert.deepEqual(events, ["first in", "first out", "second"]);
});

const WORKER_SOURCE = `
import { homeLock, useHomeLockTable } from ${JSON.stringify(import.meta.resolve("./home_lock.ts"))};
self.onmessage = async ({ data }) => {
  if (data.table) {
    useHomeLockTable(data.table);
    self.postMessage("ready");
    return;
  }
  await homeLock(data.home).exclusive(async () => {
    self.postMessage("holding");
    await new Promise((resolve) => self.onmessage = resolve);
  });
  self.postMessage("released");
};
`;

Deno.test("home locks are shared across threads through the table handed to them", async () => {
  const table = createHomeLockBuffer();
  useHomeLockTable(table);
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    const messages: string[] = [];
    let notify = () => {};
    worker.onmessage = (event) => (messages.push(event.data), notify());
    const next = async (expected: string) => {
      while (!messages.includes(expected)) await new Promise<void>((resolve) => notify = resolve);
    };
    worker.postMessage({ table });
    await next("ready");
    worker.postMessage({ home: "/data/home/bob" });
    await next("holding");
    const events: string[] = [];
    const reading = homeLock("/data/home/bob").shared(() => events.push("read"));
    await settle();
    assert.deepEqual(events, [], "the other thread's writer holds the lock");
    worker.postMessage("release");
    await next("released");
    await reading;
    assert.deepEqual(events, ["read"]);
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
    useHomeLockTable(createHomeLockBuffer());
  }
});
