/**
 * Node leases against a real PostgreSQL: two `ftpx serve --db` nodes on one
 * data dir. A node killed in the middle of an upload has its session and
 * quota reservation released by the live node once its lease (3 s here)
 * runs out, what its partial holds charged; the upload then resumes on the
 * live node. A node stalled past its lease (SIGSTOP) is released too, and
 * stops as soon as it runs again: its rows are gone.
 *
 * Waiting is on observable state: the live node's log line (each chunk
 * wakes the wait), the partial file's size; the end state is asserted in
 * the database.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { encodeFrame } from "../protocol/frame.ts";
import { bytes, sha256 } from "./_data.ts";
import { withPostgres } from "./_postgres.ts";
import { runFtpx, tempDir, TestServer, waitFor } from "./_spawn.ts";
import { WireClient } from "./_wire.ts";

const MIB = 1024 * 1024;
const PASSWORD = "alice-lease-1";

/** A node's config: its name, a short lease, one server thread. */
function nodeIni(node: string): string {
  return `node_id = ${node}\nnode_lease = 3\nworkers = 1\n`;
}

/** Total size of the partial uploads in a home (-1 while there is no partial dir). */
async function partialBytes(home: string): Promise<number> {
  let total = 0;
  try {
    for await (const entry of Deno.readDir(join(home, ".ftpx-partial"))) {
      if (entry.isFile) total += (await Deno.stat(join(home, ".ftpx-partial", entry.name))).size;
    }
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return -1;
    throw error;
  }
  return total;
}

Deno.test("node leases: a node SIGKILLed mid-upload is released by the live node; the upload resumes there", async () => {
  await withPostgres(async (postgres) => {
    const db = await postgres.createDatabase("ftpx_lease");
    const sql = postgres.connect("ftpx_lease");
    await using work = await tempDir("ftpx-lease-");
    const dataDir = join(work.path, "data");
    const local = join(work.path, "local");
    await Deno.mkdir(local);
    try {
      const a = await TestServer.start({ dataDir, args: ["--db", db], ini: nodeIni("node-a") });
      await using b = await TestServer.start({
        dataDir,
        args: ["--db", db],
        ini: nodeIni("node-b"),
      });
      await a.addUser("alice", PASSWORD, ["--db", db, "--quota", "64M"]);

      const size = 24 * MIB;
      const content = bytes(size, 3);
      await Deno.writeFile(join(local, "big.bin"), content);
      const info = await Deno.stat(join(local, "big.bin"));
      const client = await WireClient.connect(a.port);
      await client.logIn("alice", PASSWORD);
      // The same source tag the ftpx client computes, so its later put resumes this partial.
      const source = `${size}:${info.mtime?.getTime() ?? 0}`;
      await client.send(encodeFrame({ op: "put", path: "/big.bin", size, source, body: size }));
      await client.send(content.subarray(0, 12 * MIB));
      await waitFor(
        async () => await partialBytes(a.home("alice")) >= 4 * MIB,
        "the upload to get going",
      );
      const [held] = await sql<{ node: string; reserved: number }[]>`
        SELECT node, reserved FROM upload_reservations`;
      assert.deepEqual({ ...held }, { node: "node-a", reserved: size });

      // An admin on node b sees every node's sessions, each with its node.
      const who = await b.client("admin", a.adminPassword, { command: "who" });
      assert.equal(who.code, 0, who.stderr);
      const rows = who.stdout.trim().split("\n");
      assert.match(rows[0]!, /^USER +ADDRESS +PROTOCOL +NODE +SINCE +ACTIVITY$/);
      assert.equal(rows.length, 3, who.stdout);
      assert.match(who.stdout, /^alice +127\.0\.0\.1:\d+ +ftpx +node-a +.* put \/big\.bin/m);
      assert.match(who.stdout, /^admin +127\.0\.0\.1:\d+ +ftpx +node-b +/m);

      await a.stop(true);
      client.close();
      const written = await partialBytes(a.home("alice"));
      assert(written >= 4 * MIB && written <= 12 * MIB, `partial of ${written} bytes`);

      // Node b notices once the lease is over, and settles what node a held.
      const released = await b.waitForLog(
        /node released node=node-a sessions=(\d+) reservations=(\d+) charged=(\d+)/,
      );
      assert.deepEqual(released.slice(1).map(Number), [1, 1, written]);
      assert.match(b.log, /node lease expired node=node-a lease=3 by=node-b/);
      const [state] = await sql<
        { reservations: number; sessions: number; used: number; released: boolean }[]
      >`
        SELECT (SELECT count(*) FROM upload_reservations)::int AS reservations,
          (SELECT count(*) FROM live_sessions WHERE node = 'node-a')::int AS sessions,
          (SELECT used_bytes FROM users WHERE name = 'alice') AS used,
          (SELECT released_at IS NOT NULL FROM nodes WHERE node = 'node-a') AS released`;
      assert.deepEqual({ ...state }, {
        reservations: 0,
        sessions: 0,
        used: written,
        released: true,
      });
      const [live] = await sql<{ released: boolean }[]>`
        SELECT released_at IS NOT NULL AS released FROM nodes WHERE node = 'node-b'`;
      assert.equal(live?.released, false, "the live node kept its lease");

      // The upload resumes on the live node, from what the dead one received.
      const again = await b.client("alice", PASSWORD, { command: "put big.bin", cwd: local });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, new RegExp(`resumed at ${Math.floor(written / MIB)}`));
      assert.equal(sha256(await Deno.readFile(join(b.home("alice"), "big.bin"))), sha256(content));
      const du = await runFtpx(["du", "--check", "--db", db, "--data", dataDir]);
      assert.equal(du.code, 0, du.stdout + du.stderr);
      assert.match(du.stdout, /No drift/);
    } finally {
      await sql.end();
    }
  });
});

Deno.test("node leases: a node stalled past its lease is released, and stops once it runs again", async () => {
  await withPostgres(async (postgres) => {
    const db = await postgres.createDatabase("ftpx_stall");
    const sql = postgres.connect("ftpx_stall");
    await using work = await tempDir("ftpx-stall-");
    const dataDir = join(work.path, "data");
    try {
      const a = await TestServer.start({ dataDir, args: ["--db", db], ini: nodeIni("node-a") });
      await using b = await TestServer.start({
        dataDir,
        args: ["--db", db],
        ini: nodeIni("node-b"),
      });
      await a.addUser("alice", PASSWORD, ["--db", db]);
      const client = await WireClient.connect(a.port);
      await client.logIn("alice", PASSWORD);
      Deno.kill(a.pid, "SIGSTOP");
      try {
        await b.waitForLog(/node released node=node-a sessions=1 reservations=0/);
      } finally {
        Deno.kill(a.pid, "SIGCONT");
      }
      await a.waitForLog(/error node lease lost node=node-a/);
      const status = await a.status;
      assert.equal(status.code, 1, "a node that lost its lease exits for its supervisor");
      client.close();
      await a.stop();
      const [rows] = await sql<{ sessions: number }[]>`
        SELECT count(*)::int AS sessions FROM live_sessions WHERE node = 'node-a'`;
      assert.equal(rows?.sessions, 0);
      // Started again under its name, it joins anew and serves.
      await using again = await TestServer.start({
        dataDir,
        args: ["--db", db],
        ini: nodeIni("node-a"),
      });
      const pwd = await again.client("alice", PASSWORD, { command: "pwd" });
      assert.equal(pwd.code, 0, pwd.stderr);
      const [node] = await sql<{ released: boolean }[]>`
        SELECT released_at IS NOT NULL AS released FROM nodes WHERE node = 'node-a'`;
      assert.equal(node?.released, false);
    } finally {
      await sql.end();
    }
  });
});
