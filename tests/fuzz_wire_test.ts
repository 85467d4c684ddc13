/**
 * Random requests against a real server over a raw socket, logged in: every
 * registered operation (except those that take a body or end the session)
 * with random and hostile fields. Every request must get exactly one reply,
 * with its id, a known status and never an internal error; the session must
 * survive them all; and nothing may appear outside the user's home.
 *
 * More cases: FTPX_FUZZ_ITERATIONS=20000 (a tenth of that is used here, each
 * case being a round trip); replay one: FTPX_FUZZ_SEED=N.
 */

import assert from "node:assert/strict";
import { Status } from "../protocol/status.ts";
import { OPERATIONS } from "../server/fronts/native/ops/mod.ts";
import { TestServer } from "./_spawn.ts";
import { pathsOutsideHome } from "./_traversal.ts";
import { fuzzIterations, fuzzSeed, Random } from "./_fuzz.ts";
import { WireClient } from "./_wire.ts";

const PASSWORD = "alice-fuzz-1";
const KNOWN_STATUSES = new Set<number>(Object.values(Status));
/** Operations a random request may name: not those ending the session or expecting a body. */
const FUZZED = [...OPERATIONS.values()].filter((op) => op.name !== "quit" && !op.body);

function randomFields(random: Random, operation: (typeof FUZZED)[number]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(operation.args)) {
    if (random.chance(0.1)) continue;
    fields[field] = spec.startsWith("path")
      ? random.pick(["../..", "/../../etc", "a/b", "~", random.text(20), "x".repeat(300)])
      : random.json();
  }
  if (random.chance(0.3)) fields[random.text(5)] = random.json();
  return fields;
}

Deno.test("random requests over the wire never break the server or the session (fuzz)", async () => {
  const seed = fuzzSeed();
  const random = new Random(seed);
  const iterations = Math.max(50, Math.floor(fuzzIterations(5000) / 10));
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const before = await pathsOutsideHome(server.dataDir, server.home("alice"));
  using client = await WireClient.connect(server.port);
  await client.logIn("alice", PASSWORD);
  const statuses = new Map<number, number>();
  for (let i = 0; i < iterations; i++) {
    const operation = random.pick(FUZZED);
    const id = i + 1000;
    const fields = randomFields(random, operation);
    const reply = await client.request(operation.name, { ...fields, id });
    const context = `seed ${seed}, case ${i}: ${operation.name} ${
      JSON.stringify(fields).slice(0, 200)
    }`;
    assert.equal(reply.id, id, context);
    assert.equal(typeof reply.message, "string", context);
    assert.ok(KNOWN_STATUSES.has(reply.status as number), `status ${reply.status} (${context})`);
    assert.notEqual(reply.status, Status.INTERNAL, `${reply.message} (${context})`);
    statuses.set(reply.status as number, (statuses.get(reply.status as number) ?? 0) + 1);
    if (client.reader.bodyRemaining > 0) await client.reader.skipBody();
  }
  assert.ok(statuses.has(200) && statuses.has(400), `too narrow: ${[...statuses.keys()]}`);
  assert.equal((await client.request("cd", { path: "/" })).status, 200);
  assert.deepEqual(await pathsOutsideHome(server.dataDir, server.home("alice")), before);
  client.close();
  await server.stop();
  assert.doesNotMatch(server.log, /internal error|session failed/);
});
