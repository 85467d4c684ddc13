import assert from "node:assert/strict";
import { candidatePorts } from "./data_channel.ts";

Deno.test("candidatePorts() tries every port of the range once", () => {
  const ports = candidatePorts({ first: 50000, last: 50009 });
  assert.equal(ports.length, 10);
  assert.deepEqual([...ports].sort(), Array.from({ length: 10 }, (_, i) => 50000 + i));
});

Deno.test("candidatePorts() starts at different ports, so threads rarely contend", () => {
  const starts = new Set(
    Array.from({ length: 50 }, () => candidatePorts({ first: 50000, last: 50100 })[0]),
  );
  assert.ok(starts.size > 10, `only ${starts.size} distinct starting ports`);
});

Deno.test("candidatePorts() asks the system for any port when the range is 0", () => {
  assert.deepEqual(candidatePorts({ first: 0, last: 0 }), [0]);
});
