/** Several users logged in at once, each in its own home. */

import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { ftpxCommand, TestServer } from "./_spawn.ts";

const USERS = ["ann", "bob", "cat", "dan", "eve"];

/** A client process kept open: commands are written to its stdin as the test goes. */
class LiveClient {
  readonly #child: Deno.ChildProcess;
  readonly #input: WritableStreamDefaultWriter<Uint8Array>;
  readonly #output: ReadableStreamDefaultReader<string>;
  readonly #stderr: Promise<string>;
  stdout = "";

  constructor(port: number, user: string, password: string) {
    const { command, args } = ftpxCommand(["connect", "-P", String(port), "-u", user]);
    this.#child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { FTPX_PASSWORD: password, NO_COLOR: "1" },
    }).spawn();
    this.#input = this.#child.stdin.getWriter();
    this.#output = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  /** Writes script lines. */
  async send(lines: string): Promise<void> {
    await this.#input.write(new TextEncoder().encode(lines));
  }

  /** Reads stdout until it ends with `suffix`. */
  async waitFor(suffix: string): Promise<void> {
    while (!this.stdout.endsWith(suffix)) {
      const { value, done } = await this.#output.read();
      if (done) throw new Error(`Client ended before printing ${suffix}: ${await this.#stderr}`);
      this.stdout += value;
    }
  }

  /** Ends the script and returns the exit code and everything printed. */
  async finish(): Promise<{ code: number; stdout: string; stderr: string }> {
    await this.#input.close();
    while (true) {
      const { value, done } = await this.#output.read();
      if (done) break;
      this.stdout += value;
    }
    const { code } = await this.#child.status;
    return { code, stdout: this.stdout, stderr: await this.#stderr };
  }
}

function liveUsers(dataDir: string): string[] {
  const db = new DatabaseSync(join(dataDir, "ftpx.db"), { readOnly: true });
  try {
    const rows = db.prepare("SELECT user FROM live_sessions WHERE user IS NOT NULL").all();
    return rows.map((row) => String(row.user)).sort();
  } finally {
    db.close();
  }
}

Deno.test("5 users logged in at once each work in their own home and see only their files", async () => {
  await using server = await TestServer.start();
  await Promise.all(USERS.map((user) => server.addUser(user, `${user}-password`)));

  const clients = USERS.map((user) => new LiveClient(server.port, user, `${user}-password`));
  // Each client logs in, creates its files and stays connected.
  await Promise.all(clients.map(async (client, i) => {
    const user = USERS[i]!;
    await client.send(`mkdir -p ${user}-files/inner\ncd ${user}-files\npwd\n`);
    await client.waitFor(`/${user}-files\n`);
  }));
  assert.deepEqual(liveUsers(server.dataDir), USERS, "not all five were logged in at once");

  // While all are connected, each lists its home and tries to reach the others'.
  await Promise.all(clients.map((client, i) => {
    const others = USERS.filter((_, j) => j !== i);
    const probes = others.map((other) => `ls /../${other}\n`).join("");
    return client.send(`ls\ncd /\nls\n${probes}`);
  }));
  const results = await Promise.all(clients.map((client) => client.finish()));

  results.forEach((result, i) => {
    const user = USERS[i]!;
    // The first refused probe stops the script: exit 1, and it names a path in the user's own home.
    const firstOther = USERS.find((other) => other !== user)!;
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr, `error: Cannot list "/${firstOther}": not found\n`);
    const listed = result.stdout.split("\n").filter((line) => /^[d-] /.test(line));
    assert.deepEqual(listed.map((line) => line.split(/\s+/).at(-1)), ["inner/", `${user}-files/`]);
  });
  for (const user of USERS) {
    const names = [];
    for await (const entry of Deno.readDir(server.home(user))) names.push(entry.name);
    assert.deepEqual(names, [`${user}-files`], `${user}'s home on disk`);
  }
  // Once the five sessions have ended, the registry has forgotten them.
  await server.waitForLog(/^(?:[^]*?\bdisconnect peer=\S+ user=[a-z]{3}\n){5}/);
  assert.deepEqual(liveUsers(server.dataDir), [], "sessions left in the registry after logout");
});
