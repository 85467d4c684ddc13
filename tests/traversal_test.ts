/**
 * Path traversal against every operation that takes a path (found by walking
 * the operation registry, so later operations are covered too), and symlinks
 * planted in a home pointing outside it. Nothing outside the home may be
 * read, listed, created or changed, and no reply may reveal it.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { Status } from "../protocol/status.ts";
import { OPERATIONS } from "../server/fronts/native/ops/mod.ts";
import type { Operation } from "../server/fronts/native/ops/operation.ts";
import { TestServer } from "./_spawn.ts";
import { HOSTILE_PATHS, SENTINEL, setUpTraversal } from "./_traversal.ts";
import { WireClient } from "./_wire.ts";

const PASSWORD = "alice-jail-1";

/** Placeholder values for an operation's non-path fields. */
function fillerFor(type: string): unknown {
  if (type.startsWith("int")) return 0;
  if (type.startsWith("boolean")) return true;
  return "x";
}

function requestFor(operation: Operation, path: string): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(operation.args)) {
    fields[field] = spec.startsWith("path") ? path : fillerFor(spec);
  }
  return fields;
}

Deno.test("no operation taking a path reaches outside the home, symlinks included", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", PASSWORD);
  const root = join(server.dataDir, "..");
  const aliceHome = server.home("alice");
  const { plantLinks, assertUntouched } = await setUpTraversal(
    server.dataDir,
    aliceHome,
    server.home("bob"),
  );

  const pathOps = [...OPERATIONS.values()].filter((op) =>
    !op.body && Object.values(op.args).some((spec) => spec.startsWith("path"))
  );
  assert.ok(
    pathOps.length >= 4,
    `expected the path operations, got ${pathOps.map((op) => op.name)}`,
  );

  using client = await WireClient.connect(server.port);
  await client.logIn("alice", PASSWORD);
  for (const operation of pathOps) {
    for (const path of HOSTILE_PATHS) {
      await plantLinks();
      await client.request("cd", { path: "/" });
      const reply = await client.request(operation.name, requestFor(operation, path));
      const text = JSON.stringify(reply);
      const context = `${operation.name} ${JSON.stringify(path)} -> ${text}`;
      assert.notEqual(reply.status, Status.INTERNAL, context);
      assert.ok(!text.includes(SENTINEL) || path.includes(SENTINEL), `leaked a name: ${context}`);
      assert.ok(!text.includes(root), `leaked a real path: ${context}`);
      assert.ok(!text.includes("secret"), `leaked content: ${context}`);
      if (client.reader.bodyRemaining > 0) await client.reader.skipBody();
    }
  }

  // Through a link, every way of reading or writing is refused as outside the home.
  await plantLinks();
  const refusals: [string, Record<string, unknown>][] = [
    ["cd", { path: "link-out" }],
    ["ls", { path: "link-bob" }],
    ["stat", { path: `link-out/${SENTINEL}` }],
    ["mkdir", { path: "link-out/new-dir" }],
    ["mkdir", { path: "dangling" }],
    ["mkdir", { path: "dangling/new-dir", parents: true }],
  ];
  for (const name of ["get", "checksum"]) {
    if (OPERATIONS.has(name)) refusals.push([name, { path: `link-bob/${SENTINEL}` }]);
  }
  for (const [op, fields] of refusals) {
    const reply = await client.request(op, fields);
    assert.equal(
      reply.status,
      Status.FORBIDDEN,
      `${op} ${JSON.stringify(fields)}: ${reply.message}`,
    );
    assert.match(String(reply.message), /outside your home|broken symlink/);
  }

  const listing = await client.request("ls", { path: "/" });
  const links = (listing.entries as { name: string; type: string; size: number }[])
    .filter((entry) => entry.name.startsWith("link") || entry.name === "dangling");
  assert.deepEqual(links.map((entry) => [entry.name, entry.type, entry.size]), [
    ["dangling", "link", 0],
    ["link-bob", "link", 0],
    ["link-out", "link", 0],
  ]);

  await assertUntouched();
  const homes = [];
  for await (const entry of Deno.readDir(join(server.dataDir, "home"))) homes.push(entry.name);
  assert.deepEqual(homes.sort(), ["admin", "alice", "bob"]);
});
