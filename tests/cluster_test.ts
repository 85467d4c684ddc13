/**
 * Several nodes on PostgreSQL behind HAProxy (issue 14), end to end: a real
 * PostgreSQL, two real `ftpx serve --db` nodes on one shared data dir, and a
 * real HAProxy in front (TCP mode, round robin, PROXY v2; tests/_cluster.ts).
 * One cluster serves the steps in turn, each with accounts of its own; the
 * step that kills a node comes last.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import {
  addClusterUser,
  bytesOnDisk,
  type Cluster,
  NODE_NAMES,
  startCluster,
  usedByUser,
} from "./_cluster.ts";
import { type LoadClientResult, runLoadClient } from "./_mixed_load.ts";
import { withPostgres } from "./_postgres.ts";
import { sha256 } from "./_data.ts";

const LOAD_USERS = 5;
const LOAD_CLIENTS = 50;
const LOAD_OPS_PER_CLIENT = 16;

Deno.test("cluster: two nodes on PostgreSQL behind HAProxy", async (t) => {
  await withPostgres(async (postgres) => {
    await using cluster = await startCluster(postgres, "ftpx_cluster");
    await t.step(
      "50 clients of mixed operations through the balancer: every sha256 right, used space equals the disk",
      () => mixedLoad(cluster),
    );
  });
});

async function mixedLoad(cluster: Cluster): Promise<void> {
  const users = Array.from({ length: LOAD_USERS }, (_, i) => `load${i}`);
  await Promise.all(users.map((user) => addClusterUser(cluster, user, { password: `${user}-pw` })));
  const seed = Date.now() % 100_000;
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: LOAD_CLIENTS }, (_, id) =>
      runLoadClient({
        id,
        user: users[id % LOAD_USERS]!,
        password: `${users[id % LOAD_USERS]!}-pw`,
        port: cluster.balancerPort,
        ops: LOAD_OPS_PER_CLIENT,
        seed: seed + id,
      })),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `mixed load: ${LOAD_CLIENTS * LOAD_OPS_PER_CLIENT} operations in ${seconds.toFixed(1)} s`,
    totals(results),
  );

  // Both nodes served each user (the balancer alternates, clients log in again every few operations).
  for (const [i, node] of cluster.nodes.entries()) {
    for (const user of users) {
      assert.match(
        node.log,
        new RegExp(`login ok .*user=${user}\\b`),
        `${user} on ${NODE_NAMES[i]}`,
      );
    }
  }
  // Each home holds exactly the files its clients kept, and the server's used space is its bytes.
  const used = await usedByUser(cluster);
  for (const [u, user] of users.entries()) {
    const home = cluster.home(user);
    const kept = results.filter((_, id) => id % LOAD_USERS === u).flatMap((r) => [...r.files]);
    for (const [path, file] of kept) {
      assert.equal(
        sha256(await Deno.readFile(join(home, path))),
        file.sha256,
        `${user}:${path} on disk`,
      );
    }
    const onDisk = await bytesOnDisk(home);
    assert.equal(
      onDisk,
      kept.reduce((sum, [, file]) => sum + file.size, 0),
      `${user}: bytes on disk`,
    );
    assert.equal(used.get(user), onDisk, `${user}: used space reported by ftpx users`);
  }
}

function totals(results: LoadClientResult[]): Record<string, number> {
  const sum: Record<string, number> = { logins: 0 };
  for (const result of results) {
    sum.logins! += result.logins;
    for (const [op, count] of Object.entries(result.counts)) sum[op] = (sum[op] ?? 0) + count;
  }
  return sum;
}
