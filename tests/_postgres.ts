/**
 * Starts a real PostgreSQL server for tests: a fresh cluster in a temporary
 * directory, listening only on 127.0.0.1 at a free port (and a socket in
 * that directory), stopped and removed by `stop()`. Run as root, the server
 * runs as the `postgres` user (initdb refuses root), never the packaged
 * service. Missing binaries fail the test with what to install: the
 * PostgreSQL tests never skip.
 */

import { join } from "node:path";
import postgres from "postgres";

/** Password of the cluster's superuser `postgres` over TCP (scram-sha-256). */
export const POSTGRES_PASSWORD = "ftpx-test-pw";

/** A running test cluster. */
export interface PostgresServer {
  port: number;
  /** Creates an empty database and returns its `db` URL (`postgres://postgres@127.0.0.1:PORT/NAME`). */
  createDatabase(name: string): Promise<string>;
  /** Runs SQL as the superuser, over the socket; returns psql's output (unaligned, tuples only). */
  psql(database: string, sql: string): Promise<string>;
  /**
   * A connection to `database` as the superuser over TCP, for tests that
   * watch the shared state often (cheaper than starting psql each time);
   * the caller ends it (`end()`). Numbers come back as numbers.
   */
  connect(database: string): postgres.Sql<{ bigint: number }>;
  /** Stops the server (`pg_ctl stop -m fast`) but keeps its data, to start it again. */
  pause(): Promise<void>;
  /** Starts a paused server again, on the same port. */
  resume(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** Where Debian puts the server binaries: the newest `/usr/lib/postgresql/N/bin`. */
async function findBinaries(): Promise<string> {
  const versions: number[] = [];
  try {
    for await (const entry of Deno.readDir("/usr/lib/postgresql")) {
      if (/^\d+$/.test(entry.name)) versions.push(Number(entry.name));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  for (const version of versions.sort((a, b) => b - a)) {
    const bin = `/usr/lib/postgresql/${version}/bin`;
    if (await exists(join(bin, "pg_ctl")) && await exists(join(bin, "initdb"))) return bin;
  }
  throw new Error(
    "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin: install them " +
      "(apt-get install postgresql; .ci/run does) to run the PostgreSQL tests",
  );
}

/**
 * Runs `work` with a fresh cluster, stopped afterwards. Every ftpx started
 * meanwhile gets the superuser's password as an operator gives it
 * (`FTPX_DB_PASSWORD`), never removed: test files run at once in this
 * process share its environment, and every test cluster has this same
 * password.
 */
export async function withPostgres(work: (server: PostgresServer) => Promise<void>): Promise<void> {
  const server = await startPostgres();
  Deno.env.set("FTPX_DB_PASSWORD", POSTGRES_PASSWORD);
  try {
    await work(server);
  } finally {
    await server.stop();
  }
}

/** Starts a fresh cluster; the caller must `stop()` it. */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = await findBinaries();
  const asRoot = (await run("id", ["-u"])).trim() === "0";
  const dir = await Deno.makeTempDir({ prefix: "ftpx-pg-" });
  const data = join(dir, "data");
  const pwfile = join(dir, "pwfile");
  const inCluster = (tool: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(bin, tool), ...args])
      : run(join(bin, tool), args);
  try {
    await Deno.writeTextFile(pwfile, POSTGRES_PASSWORD + "\n");
    if (asRoot) await run("chown", ["-R", "postgres:", dir]);
    await inCluster("initdb", [
      "-D",
      data,
      "-U",
      "postgres",
      "--pwfile",
      pwfile,
      "--auth-local=trust",
      "--auth-host=scram-sha-256",
      "--no-sync",
      "--encoding=UTF8",
      "--locale=C",
    ]);
    const port = await startOn(inCluster, dir, data);
    const options = serverOptions(port, dir);
    const psql = async (database: string, sql: string) =>
      await inCluster("psql", [
        "-h",
        dir,
        "-p",
        String(port),
        "-U",
        "postgres",
        "-d",
        database,
        "-X",
        "-q",
        "-A",
        "-t",
        "-v",
        "ON_ERROR_STOP=1",
        "-c",
        sql,
      ]);
    return {
      port,
      psql,
      async createDatabase(name: string) {
        if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new TypeError(`Bad database name "${name}"`);
        await psql("postgres", `CREATE DATABASE ${name}`);
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      connect(database: string) {
        return postgres({
          host: "127.0.0.1",
          port,
          user: "postgres",
          pass: POSTGRES_PASSWORD,
          database,
          max: 1,
          onnotice: () => {},
          types: {
            bigint: {
              to: 20,
              from: [20],
              serialize: (value: number) => String(value),
              parse: (raw: string) => Number(raw),
            },
          },
        });
      },
      async pause() {
        await inCluster("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      },
      async resume() {
        await inCluster("pg_ctl", [
          "-D",
          data,
          "-l",
          join(dir, "log"),
          "-o",
          options,
          "-w",
          "start",
        ]);
      },
      async stop() {
        try {
          await inCluster("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(
            () => {}, // Already stopped (paused).
          );
        } finally {
          await Deno.remove(dir, { recursive: true });
        }
      },
    };
  } catch (error) {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
    throw error;
  }
}

/** Starts the server on a free port (another process may take the port first: then the next). */
async function startOn(
  inCluster: (tool: string, args: string[]) => Promise<string>,
  dir: string,
  data: string,
): Promise<number> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = probe.addr.port;
    probe.close();
    const options = serverOptions(port, dir);
    try {
      await inCluster("pg_ctl", ["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "start"]);
      return port;
    } catch (error) {
      lastError = error;
    }
  }
  const log = await Deno.readTextFile(join(dir, "log")).catch(() => "");
  throw new Error(`PostgreSQL did not start: ${String(lastError)}\n${log}`);
}

/** The server's options: `port` on 127.0.0.1, its socket in `dir`, no durability (tests). */
function serverOptions(port: number, dir: string): string {
  return [
    `-p ${port}`,
    `-k ${dir}`,
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=300",
  ].join(" ");
}

async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, stdin: "null" }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed (${output.code}): ${decoder.decode(output.stderr)}`,
    );
  }
  return decoder.decode(output.stdout);
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
