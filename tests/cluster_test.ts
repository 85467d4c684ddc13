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
  NODE_LEASE_S,
  NODE_NAMES,
  startCluster,
  usedByUser,
} from "./_cluster.ts";
import { type LoadClientResult, logIn, readBody, runLoadClient, sendPut } from "./_mixed_load.ts";
import { type PostgresServer, withPostgres } from "./_postgres.ts";
import { fileSize, runFtpx, spawnFtpx, tempDir, type TestServer, waitFor } from "./_spawn.ts";
import { writeAll } from "../protocol/frame_writer.ts";
import type { Connection } from "../client/connection.ts";
import { randomBytes, sha256 } from "./_data.ts";

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
    await t.step(
      "parallel uploads of one user on both nodes stop at the quota: one stored, one refused",
      () => quotaAcrossNodes(cluster),
    );
    await t.step(
      "PostgreSQL stopped under load: transfers under way end as documented, logins are refused clearly, both nodes recover",
      () => outageUnderLoad(cluster, postgres),
    );
    await t.step(
      "a node SIGKILLed mid-download: get again through the balancer resumes on the other node",
      () => killMidDownload(cluster),
    );
  });
});

async function mixedLoad(cluster: Cluster): Promise<void> {
  const users = Array.from({ length: LOAD_USERS }, (_, i) => `load${i}`);
  await Promise.all(users.map((user) => addClusterUser(cluster, user, { password: `${user}-pw` })));
  const seed = Date.now() % 100_000;
  const started = performance.now();
  // Every client to its end, so that one failing leaves none running past the step.
  const settled = await Promise.allSettled(
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
  const failures = settled.flatMap((result) => result.status === "rejected" ? [result.reason] : []);
  if (failures.length > 0) {
    throw new AggregateError(
      failures,
      `${failures.length} clients failed; the first: ${failures[0]}`,
    );
  }
  const results = settled.map((result) =>
    (result as PromiseFulfilledResult<LoadClientResult>).value
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

const QUOTA_ROUNDS = 3;

/**
 * Two uploads of one user at once, one on each node, each alone within the
 * quota but not both: in every round exactly one is stored and the other
 * refused, and the home never holds more than the quota. "At once" is
 * forced: the test holds a lock on `upload_reservations` that lets both
 * nodes read what is used and held but not add their reservation, and lets
 * go only once both are waiting; without the ledger's row lock both would
 * then go ahead on what they read.
 */
async function quotaAcrossNodes(cluster: Cluster): Promise<void> {
  const quota = 1024 * 1024;
  const size = 700 * 1024;
  const password = "quota-user-pw";
  await addClusterUser(cluster, "quota", { password, extra: ["--quota", "1M"] });
  const connections = await Promise.all(
    cluster.pinnedPorts.map((port) => logIn(port, "quota", password)),
  );
  const gate = cluster.connect();
  try {
    const nodes = await cluster.sql<{ node: string }[]>`
      SELECT node FROM live_sessions WHERE username = 'quota' ORDER BY node`;
    assert.deepEqual(nodes.map(({ node }) => node), [...NODE_NAMES], "one session on each node");
    for (let round = 0; round < QUOTA_ROUNDS; round++) {
      const contents = connections.map(() => randomBytes(size));
      const replies = await gate.begin(async (tx) => {
        await tx`LOCK TABLE upload_reservations IN EXCLUSIVE MODE`;
        const puts = connections.map((connection, i) =>
          sendPut(connection, {
            path: `/r${round}-${NODE_NAMES[i]}.bin`,
            size,
            sha256: sha256(contents[i]!),
          }, contents[i]!)
        );
        await waitFor(async () => await lockWaiters(cluster) === 2, "both reservations to wait");
        return { puts }; // Not the array itself: begin() would await it before committing.
      }).then(({ puts }) => Promise.all(puts));
      const statuses = replies.map((reply) => reply.status);
      assert.deepEqual(
        [...statuses].sort(),
        [201, 452],
        `round ${round}: ${JSON.stringify(replies)}`,
      );
      const refused = replies.find((reply) => reply.status === 452)!;
      assert.match(refused.message, /quota exceeded, .* of 1M allowed/);
      const onDisk = await bytesOnDisk(cluster.home("quota"));
      assert.equal(onDisk, size, `round ${round}: one upload's bytes in the home, within ${quota}`);
      assert.equal((await usedByUser(cluster)).get("quota"), size);
      // The stored one is removed through the other node, for the next round.
      const stored = statuses.indexOf(201);
      const other = connections[1 - stored]!;
      await other.call("rm", { path: `/r${round}-${NODE_NAMES[stored]}.bin` });
    }
  } finally {
    connections.forEach((connection) => connection.close());
    await gate.end();
  }
}

/** Database sessions waiting for a lock. */
async function lockWaiters(cluster: Cluster): Promise<number> {
  const [row] = await cluster.sql<{ count: number }[]>`
    SELECT count(*)::int AS count FROM pg_stat_activity
    WHERE wait_event_type = 'Lock' AND datname = current_database()`;
  return row?.count ?? 0;
}

const MIB = 1024 * 1024;

/**
 * How long PostgreSQL stays down. The issue says 10 s; what the length
 * changes is whether the outage outlasts the nodes' lease (after which a
 * node could wrongly release the others for being late), and a lease and a
 * second does, at a third of the time.
 */
const OUTAGE_MS = (NODE_LEASE_S + 1) * 1000;

/** How a node answers while the database is out of reach. */
const UNREACHABLE_REPLY = {
  status: 503,
  message: "The accounts database is unreachable: try again in a moment",
};

function statusAndMessage({ status, message }: { status: number; message: string }) {
  return { status, message };
}

/** Sizes of the files in a directory, smallest first. */
async function fileSizes(dir: string): Promise<number[]> {
  const sizes: number[] = [];
  for await (const entry of Deno.readDir(dir)) {
    sizes.push((await Deno.stat(join(dir, entry.name))).size);
  }
  return sizes.sort((a, b) => a - b);
}

/**
 * PostgreSQL stopped while a download runs on one node and an upload on the
 * other, and new logins keep coming through the balancer: the download
 * ends whole, the upload ending during the outage is refused and keeps its
 * partial, every login is told to come back, no node crashes; once the
 * database is back, the upload resumes on the other node, logins work on
 * both nodes, and neither released the other though both were late.
 */
async function outageUnderLoad(cluster: Cluster, postgres: PostgresServer): Promise<void> {
  const password = "outage-user-pw";
  // The download's rate limit keeps it running for a few seconds, across the outage.
  await addClusterUser(cluster, "outage", { password, extra: ["--rate-down", "2M"] });
  const [onA, onB, alsoOnB] = await Promise.all(
    [...cluster.pinnedPorts, cluster.pinnedPorts[1]].map((port) => logIn(port, "outage", password)),
  ) as [Connection, Connection, Connection];
  const small = randomBytes(64 * 1024);
  const down = randomBytes(6 * MIB);
  const up = randomBytes(4 * MIB);
  let paused = false;
  try {
    const stored = await sendPut(onA, {
      path: "/down.bin",
      size: down.length,
      sha256: sha256(down),
    }, down);
    assert.equal(stored.status, 201, stored.message);
    const get = await onA.call("get", { path: "/down.bin" });
    assert.equal(get.body, down.length);
    const downloading = readBody(onA, down.length).then((content) => ({
      content,
      at: performance.now(),
    }));
    // An upload received whole before the outage, to be committed during it (put_commit).
    const received = await sendPut(alsoOnB, { path: "/small.bin", size: small.length }, small);
    assert.equal(received.status, 200, received.message);
    // The upload's first half reaches node b before the outage, the rest during it.
    const putId = await onB.send("put", {
      path: "/up.bin",
      size: up.length,
      sha256: sha256(up),
      body: up.length,
    });
    await writeAll(onB.sink, up.subarray(0, up.length / 2));
    const partials = join(cluster.home("outage"), ".ftpx-partial");
    await waitFor(
      async () => await bytesOnDisk(partials).catch(() => 0) >= small.length + up.length / 2,
      "the upload's first half",
    );

    await postgres.pause();
    paused = true;
    const downAt = performance.now();
    await writeAll(onB.sink, up.subarray(up.length / 2));
    const putReply = await onB.readResponse(putId);
    assert.deepEqual(statusAndMessage(putReply), UNREACHABLE_REPLY);
    assert.deepEqual(
      statusAndMessage(await onB.request("pwd")),
      UNREACHABLE_REPLY,
      "the session goes on",
    );
    const commit = { path: "/small.bin", sha256: sha256(small) };
    assert.deepEqual(
      statusAndMessage(await alsoOnB.request("put_commit", commit)),
      UNREACHABLE_REPLY,
    );
    // New logins through the balancer all the while; the session table is out of reach.
    let refusals = 0;
    while (performance.now() - downAt < OUTAGE_MS) {
      await assert.rejects(logIn(cluster.balancerPort, "outage", password), (error: Error) => {
        assert.equal(error.message, UNREACHABLE_REPLY.message);
        return true;
      });
      refusals++;
    }
    const downloaded = await downloading;
    assert.equal(sha256(downloaded.content), sha256(down), "the download under way ended whole");
    assert.ok(downloaded.at > downAt, "the download was still running when PostgreSQL stopped");
    for (const node of cluster.nodes) {
      assert.match(node.log, /session refused .*The accounts database is unreachable/);
      assert.ok(cluster.isRunning(node), "the node is still running");
    }
    assert.ok(refusals >= 2, `${refusals} logins refused`);
    assert.deepEqual(await fileSizes(partials), [small.length, up.length], "both partials kept");
    for (const name of ["up.bin", "small.bin"]) {
      assert.equal(await fileSize(join(cluster.home("outage"), name)), -1, `no ${name} stored`);
    }

    await postgres.resume();
    paused = false;
    await Promise.all(cluster.nodes.map((node) => node.waitForLog(/database reachable again/)));
    const upAt = performance.now();
    // The session that was refused put_commit still holds its upload, and commits it now.
    const committed = await alsoOnB.request("put_commit", commit);
    assert.equal(committed.status, 201, committed.message);
    assert.equal(
      sha256(await Deno.readFile(join(cluster.home("outage"), "small.bin"))),
      sha256(small),
    );
    // Node b's session ends, and with it its upload, settled now: the partial is charged.
    onB.close();
    await waitFor(
      async () => {
        const [held] = await cluster.sql<{ count: number }[]>`
        SELECT count(*)::int AS count FROM upload_reservations
        WHERE user_id = (SELECT id FROM users WHERE name = 'outage')`;
        return held?.count === 0;
      },
      "node b to settle the upload its session left",
      10_000,
    );
    // The upload resumes on the other node from all it had received, and commits.
    const resumed = await logIn(cluster.pinnedPorts[0], "outage", password);
    try {
      const offset = await resumed.call("put_offset", { path: "/up.bin", size: up.length });
      assert.equal(offset.offset, up.length);
      const rest = await sendPut(resumed, {
        path: "/up.bin",
        size: up.length,
        offset: up.length,
        sha256: sha256(up),
      }, new Uint8Array(0));
      assert.equal(rest.status, 201, rest.message);
    } finally {
      resumed.close();
    }
    assert.equal(sha256(await Deno.readFile(join(cluster.home("outage"), "up.bin"))), sha256(up));
    // Logins and listings on both nodes until each has renewed its lease for a whole lease
    // since the database came back: the point where a node judges the others' leases.
    while (performance.now() - upAt < (NODE_LEASE_S + 1) * 1000) {
      for (const port of cluster.pinnedPorts) {
        const session = await logIn(port, "outage", password);
        await session.list("/");
        session.close();
      }
    }
    const leases = await cluster.sql<{ node: string; released: boolean }[]>`
      SELECT node, released_at IS NOT NULL AS released FROM nodes ORDER BY node`;
    assert.deepEqual(
      leases.map((row) => ({ ...row })),
      NODE_NAMES.map((node) => ({ node, released: false })),
    );
    for (const node of cluster.nodes) {
      assert.doesNotMatch(node.log, /node lease expired|node lease lost/);
      assert.ok(cluster.isRunning(node), "the node is still running");
    }
    assert.equal(
      (await usedByUser(cluster)).get("outage"),
      await bytesOnDisk(cluster.home("outage")),
    );
  } finally {
    [onA, onB, alsoOnB].forEach((connection) => connection.close());
    if (paused) await postgres.resume(); // For the next step, after a failure here.
  }
}

/**
 * `ftpx connect ... get` through the balancer, and the node serving it
 * SIGKILLed once a megabyte has arrived (a rate limit keeps the download
 * going meanwhile); the same `get` again through the balancer reaches the
 * live node and resumes from what arrived.
 */
async function killMidDownload(cluster: Cluster): Promise<void> {
  const password = "kill-user-pw";
  await addClusterUser(cluster, "kill", { password, extra: ["--rate-down", "4M"] });
  const content = randomBytes(8 * MIB);
  const uploader = await logIn(cluster.balancerPort, "kill", password);
  try {
    const stored = await sendPut(uploader, {
      path: "/big.bin",
      size: content.length,
      sha256: sha256(content),
    }, content);
    assert.equal(stored.status, 201, stored.message);
  } finally {
    uploader.close();
  }
  await using local = await tempDir("ftpx-cluster-get-");
  const get = ["connect", "-P", String(cluster.balancerPort), "-u", "kill", "-c", "get big.bin"];
  const options = {
    cwd: local.path,
    env: { FTPX_PASSWORD: password, FTPX_HOME: join(local.path, ".config") },
  };
  const partial = join(local.path, "big.bin.ftpx-part");
  const loginsBefore = cluster.nodes.map(loginsOfKill);
  const child = spawnFtpx(get, options);
  await waitFor(async () => await fileSize(partial) >= MIB, "the download to get going");
  // The node serving it is the one where the client logged in.
  const victim = cluster.nodes.findIndex((node, i) => loginsOfKill(node) > loginsBefore[i]!);
  assert.notEqual(victim, -1, "a node logged the client in");
  const survivor = cluster.nodes[1 - victim]!;
  await cluster.nodes[victim]!.stop(true);
  const cut = await child.output();
  assert.equal(cut.code, 1);
  assert.match(
    new TextDecoder().decode(cut.stderr),
    /Connection lost during the download: what arrived is kept/,
  );
  const kept = await fileSize(partial);
  assert.ok(kept >= MIB && kept < content.length, `${kept} bytes kept`);

  // The rest at full speed: the rate limit was there only to cut the download halfway.
  const lifted = await cluster.host(["rate", "kill", "--down", "0"]);
  assert.equal(lifted.code, 0, lifted.stderr);
  const logins = loginsOfKill(survivor);
  const again = await runFtpx(get, options);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /resumed at [1-9]/);
  assert.equal(sha256(await Deno.readFile(join(local.path, "big.bin"))), sha256(content));
  assert.equal(loginsOfKill(survivor), logins + 1, "served by the live node");
}

/** Logins of the user "kill" in a node's log so far. */
function loginsOfKill(node: TestServer): number {
  return node.log.match(/login ok .*user=kill\b/g)?.length ?? 0;
}
