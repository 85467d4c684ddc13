/**
 * The shell's `key add|list|rm`: a user manages their own SSH keys and logs
 * in over SFTP with them; a removed key is refused; `--user` is for
 * administrators only.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { keyCommand, makeKey, sftpBatch, type SftpTestServer, startSftpServer } from "./_sftp.ts";
import { runProgram, tempDir } from "./_spawn.ts";
import { WireClient } from "./_wire_client.ts";

const PASSWORD = "alice-secret-1";
const ADMIN_PASSWORD = "admin-secret-1";

async function withServer(work: (server: SftpTestServer, dir: string) => Promise<void>) {
  await using dir = await tempDir("ftpx-key-shell-");
  const server = await startSftpServer();
  try {
    await server.addUser("alice", PASSWORD);
    await server.addUser("bob", "bob-secret-12");
    await server.addUser("root", ADMIN_PASSWORD, ["--admin"]);
    await work(server, dir.path);
  } finally {
    await server.stop();
  }
}

/** `text` as a regular expression matching it literally (fingerprints hold `+` and `/`). */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

async function fingerprint(key: string): Promise<string> {
  return (await runProgram("ssh-keygen", ["-lf", `${key}.pub`])).stdout.split(" ")[1]!;
}

Deno.test("shell key: add one's own key, log in over SFTP with it, list, rm; then it is refused", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "alice_ed25519");
    const print = await fingerprint(key);
    const added = await server.client("alice", PASSWORD, {
      stdin: `key add ${key}.pub\nkey list\n`,
    });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, new RegExp(`Added ssh-ed25519 key ${literal(print)} for "alice"`));
    assert.match(
      added.stdout,
      /^SHA256:\S+ {2}ssh-ed25519 {2}\d{4}-\d\d-\d\d {2}alice_ed25519$/m,
    );
    // The host command sees the same key.
    assert.match((await keyCommand(server, ["list", "alice"])).stdout, new RegExp(literal(print)));

    const login = await sftpBatch(server, "alice", { key }, "pwd\n", { cwd: dir });
    assert.equal(login.code, 0, login.stderr);

    const again = await server.client("alice", PASSWORD, { stdin: `key add ${key}.pub\n` });
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, new RegExp(`"alice" already has the key ${literal(print)}`));

    const removed = await server.client("alice", PASSWORD, {
      stdin: `key rm ${print}\nkey list\n`,
    });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`Removed key ${literal(print)} of "alice"`));
    assert.match(removed.stdout, /"alice" has no keys/);

    const refused = await sftpBatch(server, "alice", { key }, "pwd\n", { cwd: dir });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Permission denied/);

    const unknown = await server.client("alice", PASSWORD, { stdin: `key rm ${print}\n` });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /"alice" has no key SHA256:\S+ \(see key list\)/);
  });
});

Deno.test("shell key: bad keys and private keys are refused in one line", async () => {
  await withServer(async (server, dir) => {
    const junk = join(dir, "junk.pub");
    await Deno.writeTextFile(junk, "ssh-dss AAAAB3NzaC1kc3MAAACBAP junk\n");
    const key = await makeKey(dir, "alice_ed25519");
    const big = join(dir, "big.pub");
    await Deno.writeTextFile(big, "x".repeat(100_000));
    for (
      const [file, message] of [
        [junk, /Cannot add the key: DSA keys are not accepted/],
        [key, /is a private key: give the public one/],
        [big, /too big for a public key/],
        [join(dir, "missing.pub"), /Cannot read ".*missing.pub": not found/],
      ] as const
    ) {
      const result = await server.client("alice", PASSWORD, { stdin: `key add ${file}\n` });
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, message);
    }
    assert.match((await keyCommand(server, ["list", "alice"])).stdout, /has no keys/);
  });
});

Deno.test("shell key --user: refused to a non-admin; an admin adds, lists and removes another's key", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "bob_ed25519");
    const print = await fingerprint(key);
    for (const command of [`key add --user bob ${key}.pub`, "key list --user bob"]) {
      const refused = await server.client("alice", PASSWORD, { stdin: `${command}\n` });
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Only administrators may use "key (add|list) --user"/);
    }
    assert.match((await keyCommand(server, ["list", "bob"])).stdout, /has no keys/);

    const added = await server.client("root", ADMIN_PASSWORD, {
      stdin: `key add --user bob ${key}.pub\nkey list --user bob\nkey list\n`,
    });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, new RegExp(`Added ssh-ed25519 key ${literal(print)} for "bob"`));
    assert.match(added.stdout, new RegExp(`^${literal(print)} {2}ssh-ed25519 .*bob_ed25519$`, "m"));
    assert.match(added.stdout, /"root" has no keys/);
    await server.waitForLog(/admin action .*action=key_add target=bob/);

    const login = await sftpBatch(server, "bob", { key }, "pwd\n", { cwd: dir });
    assert.equal(login.code, 0, login.stderr);

    const unknownUser = await server.client("root", ADMIN_PASSWORD, {
      stdin: `key list --user nobody\n`,
    });
    assert.notEqual(unknownUser.code, 0);
    assert.match(unknownUser.stderr, /No user "nobody"/);

    const removed = await server.client("root", ADMIN_PASSWORD, {
      stdin: `key rm --user bob ${print}\n`,
    });
    assert.equal(removed.code, 0, removed.stderr);
    assert.match(removed.stdout, new RegExp(`Removed key ${literal(print)} of "bob"`));
  });
});

Deno.test("key_add, key_list, key_rm over the wire: another user's keys are the server's to refuse", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "bob_ed25519");
    const text = await Deno.readTextFile(`${key}.pub`);
    using wire = await WireClient.open(server.port, { user: "alice", password: PASSWORD });
    const requests: [string, Record<string, unknown>][] = [
      ["key_add", { user: "bob", key: text }],
      ["key_list", { user: "bob" }],
      ["key_rm", { user: "bob", fingerprint: await fingerprint(key) }],
    ];
    for (const [op, fields] of requests) {
      const reply = await wire.request(op, fields);
      assert.equal(reply.status, 403, op);
      assert.equal(reply.message, `Only administrators may use "${op}" for another user`);
    }
    assert.match((await keyCommand(server, ["list", "bob"])).stdout, /has no keys/);
    // One's own name is one's own keys; a key field that isn't a string is a 400.
    const own = await wire.request("key_add", { user: "alice", key: text });
    assert.equal(own.status, 200, own.message as string);
    const list = await wire.request("key_list", {});
    assert.equal((list.keys as unknown[]).length, 1);
    assert.equal(list.user, "alice");
    const bad = await wire.request("key_add", { key: 42 });
    assert.equal(bad.status, 400);
  });
});
