/** `./deno task ftpx connect` works in the directory it was typed in, not in the repository root. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { runProgram, tempDir, TestServer } from "./_spawn.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));

Deno.test("deno task ftpx connect runs the client where the task was invoked", async () => {
  await using server = await TestServer.start();
  await server.addUser("alice", "alice-secret");
  const name = `task-cwd-${crypto.randomUUID()}.txt`;
  await Deno.writeTextFile(join(server.home("alice"), name), "from the server\n");
  await using here = await tempDir("ftpx-invoked-");
  await using config = await tempDir("ftpx-config-");
  try {
    // As typed in a shell: an INIT_CWD inherited from an outer task (deno task test) would win,
    // since deno task sets it only when unset.
    const result = await runProgram(
      "env",
      [
        "-u",
        "INIT_CWD",
        join(REPO, "deno"),
        "task",
        "--quiet",
        "--config",
        join(REPO, "deno.json"),
        "ftpx",
        "connect",
        "-P",
        String(server.port),
        "-u",
        "alice",
        "-c",
        `lpwd; get ${name}`,
      ],
      {
        cwd: here.path,
        env: { FTPX_PASSWORD: "alice-secret", FTPX_HOME: config.path, NO_COLOR: "1" },
      },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout.trim(), await Deno.realPath(here.path));
    assert.equal(await Deno.readTextFile(join(here.path, name)), "from the server\n");
  } finally {
    // Before the fix the file landed in the repository root: never leave it there.
    await Deno.remove(join(REPO, name)).catch(() => {});
  }
});
