import assert from "node:assert/strict";
import { isLeaseRefusal, type PassiveLease, PassiveLeases } from "./passive_leases.ts";

const LIMITS = { perUser: 2, perAddress: 3 };

function lease(leases: PassiveLeases, userId: number, address: string): PassiveLease {
  const result = leases.acquire({ userId, address }, LIMITS);
  if (isLeaseRefusal(result)) throw new Error(`refused: ${JSON.stringify(result)}`);
  return result;
}

Deno.test("PassiveLeases caps the ports one user holds; other users still get theirs", () => {
  const leases = new PassiveLeases(PassiveLeases.createBuffer(16));
  const first = lease(leases, 1, "192.0.2.1");
  lease(leases, 1, "192.0.2.2");
  assert.deepEqual(leases.acquire({ userId: 1, address: "192.0.2.3" }, LIMITS), {
    full: "user",
    count: 2,
  });
  lease(leases, 2, "192.0.2.3");
  first.release();
  first.release(); // Idempotent: frees one slot, not two.
  assert.equal(leases.heldBy(1), 1);
  lease(leases, 1, "192.0.2.3");
  assert.equal(leases.heldBy(1), 2);
});

Deno.test("PassiveLeases caps the ports one address holds, whichever users", () => {
  const leases = new PassiveLeases(PassiveLeases.createBuffer(16));
  for (const user of [1, 2, 3]) lease(leases, user, "2001:db8::1");
  assert.deepEqual(leases.acquire({ userId: 4, address: "2001:db8::1" }, LIMITS), {
    full: "address",
    count: 3,
  });
  lease(leases, 4, "2001:db8::2");
  lease(leases, 5, "10.0.0.1");
});

Deno.test("PassiveLeases refuses once the table is full, and reuses freed slots", () => {
  const leases = new PassiveLeases(PassiveLeases.createBuffer(2));
  const a = lease(leases, 1, "10.0.0.1");
  lease(leases, 2, "10.0.0.2");
  assert.deepEqual(leases.acquire({ userId: 3, address: "10.0.0.3" }, LIMITS), {
    full: "table",
    count: 2,
  });
  a.release();
  lease(leases, 3, "10.0.0.3");
});

Deno.test("PassiveLeases shares one table between threads", async () => {
  const buffer = PassiveLeases.createBuffer(16);
  const here = new PassiveLeases(buffer);
  lease(here, 7, "10.0.0.1");
  const source = `
    import { PassiveLeases, isLeaseRefusal } from ${
    JSON.stringify(import.meta.resolve("./passive_leases.ts"))
  };
    self.onmessage = ({ data }) => {
      const leases = new PassiveLeases(data);
      const first = leases.acquire({ userId: 7, address: "10.0.0.2" }, { perUser: 2, perAddress: 9 });
      const second = leases.acquire({ userId: 7, address: "10.0.0.3" }, { perUser: 2, perAddress: 9 });
      self.postMessage([isLeaseRefusal(first), isLeaseRefusal(second) ? second.full : "granted"]);
    };`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  const worker = new Worker(url, { type: "module" });
  try {
    const answer = new Promise((resolve) => worker.onmessage = (event) => resolve(event.data));
    worker.postMessage(buffer);
    assert.deepEqual(await answer, [false, "user"]);
    assert.equal(here.heldBy(7), 2);
  } finally {
    worker.terminate();
    URL.revokeObjectURL(url);
  }
});
