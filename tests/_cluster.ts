/**
 * A cluster for end-to-end tests: two real `ftpx serve --db` nodes on one
 * PostgreSQL database and one shared data dir, behind a real HAProxy in TCP
 * mode, set up as the README's "Behind a load balancer" example (PROXY v2,
 * `proxy_from` the balancer). One balancer port spreads connections round
 * robin over both nodes; one port per node reaches only that node, for tests
 * that need to know where a connection lands (HAProxy too, since the nodes
 * hear only PROXY headers from it).
 */

import { join } from "node:path";
import type postgres from "postgres";
import { freePort, type HaproxyServer, startHaproxy } from "./_haproxy.ts";
import type { PostgresServer } from "./_postgres.ts";
import { runFtpx, type RunResult, tempDir, TestServer } from "./_spawn.ts";

/** The nodes' `node_id`s, in the order of {@linkcode Cluster.nodes}. */
export const NODE_NAMES = ["node-a", "node-b"] as const;

/** The nodes' `node_lease`, in seconds: short, so a dead node is released within a test. */
export const NODE_LEASE_S = 3;

/** A running cluster; disposing of it stops everything and removes its files. */
export interface Cluster extends AsyncDisposable {
  /** The `--db` URL. */
  readonly db: string;
  /** The data dir both nodes serve (homes under `home/`). */
  readonly dataDir: string;
  readonly nodes: readonly [TestServer, TestServer];
  /** HAProxy's round-robin port over both nodes. */
  readonly balancerPort: number;
  /** HAProxy's port to each node alone, in the order of {@linkcode Cluster.nodes}. */
  readonly pinnedPorts: readonly [number, number];
  /** A connection to the database as its superuser, to read the shared state. */
  readonly sql: postgres.Sql<{ bigint: number }>;
  /** Another such connection (for a transaction held while `sql` watches); the caller ends it. */
  connect(): postgres.Sql<{ bigint: number }>;
  readonly haproxy: HaproxyServer;
  /** Runs a host command (`users`, `du`, `rate`...) with the cluster's `--db` and `--data`. */
  host(args: string[], stdin?: string): Promise<RunResult>;
  /** Real path of a user's home on the shared data dir. */
  home(user: string): string;
  /** Whether a node's process is still running (it never exits on its own in these tests). */
  isRunning(node: TestServer): boolean;
}

/**
 * The nodes' configuration. Every client in these tests comes from
 * 127.0.0.1, so the per-address login rate and session limits are raised:
 * they are tested elsewhere, and here would only cap the load.
 */
function nodeIni(node: string): string {
  return [
    `node_id = ${node}`,
    `node_lease = ${NODE_LEASE_S}`,
    "workers = 1",
    "proxy_protocol = true",
    "proxy_from = 127.0.0.1",
    "login_attempts_per_minute = 10000",
    "max_sessions_per_address = 1000",
    "",
  ].join("\n");
}

/**
 * HAProxy's sections. A connection refused by a dead node is retried on the
 * other one (`option redispatch`), as a balancer without health checks does.
 */
function haproxySections(nodePorts: number[], balancer: number, pinned: number[]): string {
  const servers = NODE_NAMES.map((name, i) =>
    `  server ${name} 127.0.0.1:${nodePorts[i]} send-proxy-v2`
  );
  const sections = [
    "listen balancer",
    `  bind 127.0.0.1:${balancer}`,
    "  balance roundrobin",
    "  retries 2",
    "  option redispatch",
    ...servers,
  ];
  NODE_NAMES.forEach((name, i) => {
    sections.push("", `listen only_${name.replace("-", "_")}`, `  bind 127.0.0.1:${pinned[i]}`);
    sections.push(servers[i]!);
  });
  return sections.join("\n") + "\n";
}

/** Starts a cluster on a fresh database of `postgres` (which the caller stops afterwards). */
export async function startCluster(pg: PostgresServer, database: string): Promise<Cluster> {
  const db = await pg.createDatabase(database);
  const work = await tempDir("ftpx-cluster-");
  const dataDir = join(work.path, "data");
  const sql = pg.connect(database);
  const started: TestServer[] = [];
  let haproxy: HaproxyServer | undefined;
  const stop = async () => {
    try {
      await haproxy?.stop();
      // Each stop fails if its node logged an internal error: all are stopped first.
      const stops = await Promise.allSettled(started.map((node) => node.stop()));
      const failed = stops.find((stop) => stop.status === "rejected");
      if (failed) throw failed.reason;
    } finally {
      await sql.end();
      await work[Symbol.asyncDispose]();
    }
  };
  try {
    // One after the other: the first creates the schema and the administrator.
    for (const name of NODE_NAMES) {
      started.push(await TestServer.start({ dataDir, args: ["--db", db], ini: nodeIni(name) }));
    }
    const nodes = started as [TestServer, TestServer];
    const exited = new Set<TestServer>();
    for (const node of nodes) node.status.then(() => exited.add(node));
    const balancerPort = freePort();
    const pinnedPorts = [freePort(), freePort()] as const;
    haproxy = await startHaproxy(
      haproxySections(nodes.map((node) => node.port), balancerPort, [...pinnedPorts]),
    );
    return {
      db,
      dataDir,
      nodes,
      balancerPort,
      pinnedPorts,
      sql,
      connect: () => pg.connect(database),
      haproxy,
      host: (args, stdin) =>
        runFtpx([...args, "--db", db, "--data", dataDir], stdin === undefined ? {} : { stdin }),
      home: (user) => join(dataDir, "home", user),
      isRunning: (node) => !exited.has(node),
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}

/** Creates an account on the cluster (`adduser --password-stdin` with `extra` flags). */
export async function addClusterUser(
  cluster: Cluster,
  name: string,
  options: { password: string; extra?: string[] },
): Promise<void> {
  const result = await cluster.host(
    ["adduser", name, "--password-stdin", ...options.extra ?? []],
    options.password + "\n",
  );
  if (result.code !== 0) throw new Error(`adduser ${name} failed: ${result.stderr}`);
}

/** Bytes of every regular file under `dir` (apparent sizes, hidden partials included). */
export async function bytesOnDisk(dir: string): Promise<number> {
  let total = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) total += await bytesOnDisk(path);
    else if (entry.isFile) total += (await Deno.stat(path)).size;
  }
  return total;
}

/** Used space of each account as `ftpx users --json` reports it. */
export async function usedByUser(cluster: Cluster): Promise<Map<string, number>> {
  const users = await cluster.host(["users", "--json"]);
  if (users.code !== 0) throw new Error(`ftpx users failed: ${users.stderr}`);
  const list = JSON.parse(users.stdout) as { name: string; used: number }[];
  return new Map(list.map(({ name, used }) => [name, used]));
}
