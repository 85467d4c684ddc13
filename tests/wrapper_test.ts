/**
 * The `./deno` wrapper: it resolves the pinned Deno once, caches its path,
 * and execs it, so the process started as `./deno ...` is Deno itself and a
 * signal sent to it stops the server (directly, or through `deno task`,
 * whose task runner forwards it to the task).
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_PERMISSIONS, runProgram, tempDir } from "./_spawn.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const WRAPPER = join(REPO, "deno");
const PINNED = /^DENO_VERSION=(\S+)$/m.exec(await Deno.readTextFile(WRAPPER))![1]!;

/** Runs the wrapper in a session of its own (so a test can always clean up what it started). */
function spawnWrapper(args: string[], cacheHome: string): Deno.ChildProcess {
  return new Deno.Command("setsid", {
    args: [WRAPPER, ...args],
    cwd: REPO,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { XDG_CACHE_HOME: cacheHome, NO_COLOR: "1" },
  }).spawn();
}

/** Reads the server's stdout until its listening line; returns the port. */
async function listeningPort(child: Deno.ChildProcess): Promise<number> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (true) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Server exited before listening:\n${seen}`);
    seen += value;
    const match = /ftpx listening on \S+:(\d+),/.exec(seen);
    if (match) {
      (async () => {
        while (!(await reader.read()).done) { /* drain */ }
      })();
      return Number(match[1]);
    }
  }
}

async function portRefuses(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return false;
  } catch (error) {
    if (error instanceof Deno.errors.ConnectionRefused) return true;
    throw error;
  }
}

/** Starts a server through the wrapper, sends SIGTERM to the wrapper's pid, checks the port is free. */
async function stopsOnSigterm(args: (dataDir: string) => string[]): Promise<void> {
  await using dir = await tempDir("ftpx-wrapper-");
  const cacheHome = join(dir.path, "cache");
  const child = spawnWrapper(args(join(dir.path, "data")), cacheHome);
  const stderr = new Response(child.stderr).text();
  try {
    const port = await listeningPort(child);
    const ps = await runProgram("ps", ["-o", "args=", "-p", String(child.pid)]);
    child.kill("SIGTERM");
    await child.status;
    assert.ok(await portRefuses(port), `port ${port} still open after SIGTERM: server orphaned`);
    // The wrapper's own process was the cached Deno binary, not sh or npx.
    const cacheFile = join(cacheHome, "ftpx", `deno-${PINNED}.path`);
    const cached = (await Deno.readTextFile(cacheFile)).trim();
    assert.ok(ps.stdout.startsWith(`${cached} `), `wrapper process was: ${ps.stdout}`);
  } finally {
    // Whatever happened, nothing started here outlives the test.
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // Already gone.
    }
    await child.status;
    await stderr;
  }
}

Deno.test("SIGTERM to ./deno run ... main.ts serve stops the server and frees its port", async () => {
  await stopsOnSigterm((data) => [
    "run",
    ...CLI_PERMISSIONS,
    "main.ts",
    "serve",
    "--port",
    "0",
    "--data",
    data,
  ]);
});

Deno.test("SIGTERM to ./deno task serve reaches the server through the task runner", async () => {
  await stopsOnSigterm((data) => ["task", "serve", "--port", "0", "--data", data]);
});

Deno.test("./deno replaces a cached path that no longer holds the pinned Deno", async () => {
  await using dir = await tempDir("ftpx-wrapper-");
  const cacheFile = join(dir.path, "ftpx", `deno-${PINNED}.path`);
  await Deno.mkdir(join(dir.path, "ftpx"));
  await Deno.writeTextFile(cacheFile, join(dir.path, "gone", "deno") + "\n");
  const result = await runProgram(WRAPPER, ["--version"], {
    cwd: REPO,
    env: { XDG_CACHE_HOME: dir.path },
  });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, new RegExp(`^deno ${PINNED.replaceAll(".", "\\.")} `));
  const cached = (await Deno.readTextFile(cacheFile)).trim();
  assert.notEqual(cached, join(dir.path, "gone", "deno"));
  const again = await runProgram(cached, ["--version"]);
  assert.match(again.stdout, new RegExp(`^deno ${PINNED.replaceAll(".", "\\.")} `));
});
