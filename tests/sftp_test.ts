/**
 * SFTP end to end with OpenSSH's own clients: sftp -b for every command,
 * scp both ways, password and key logins and their refusals, resumes after
 * a killed transfer, quotas, and the same files seen by FTP and the native
 * client.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { bytes, fileSha256, sha256 } from "./_data.ts";
import { curl, type FtpTestServer, ftpUrl } from "./_ftp.ts";
import {
  keyCommand,
  makeKey,
  scp,
  sftpBatch,
  sftpInteractive,
  type SftpTestServer,
  ssh,
  sshOptions,
  startSftpServer,
} from "./_sftp.ts";
import { runFtpx, runProgram, tempDir, ThrottleProxy, waitFor } from "./_spawn.ts";

const PASSWORD = "alice-secret-1";
const MIB = 1024 * 1024;

async function withServer(
  work: (server: SftpTestServer, dir: string) => Promise<void>,
  options: { args?: string[]; ini?: string } = {},
): Promise<void> {
  await using dir = await tempDir("ftpx-sftp-client-");
  const server = await startSftpServer(options);
  try {
    await server.addUser("alice", PASSWORD);
    await work(server, dir.path);
  } finally {
    await server.stop();
  }
}

Deno.test("sftp: the host key is made once, 0600, and the printed fingerprint is ssh-keygen's", async () => {
  await withServer(async (server) => {
    const file = join(server.dataDir, "sftp_host_ed25519_key");
    assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
    const listed = await runProgram("ssh-keygen", ["-lf", `${file}.pub`]);
    assert.equal(listed.stdout.split(" ")[1], server.hostFingerprint);
    assert.match(server.startup, /\(new: .*sftp_host_ed25519_key\)/);
  });
});

Deno.test("sftp -b with a password: ls, cd, mkdir, put, get, rename, rm, rmdir, df; every byte checked", async () => {
  await withServer(async (server, dir) => {
    const big = bytes(5 * MIB + 12_345, 3);
    await Deno.writeFile(join(dir, "big.bin"), big);
    await Deno.writeTextFile(join(dir, "note.txt"), "hello sftp\n");
    const login = { password: PASSWORD };
    const result = await sftpBatch(
      server,
      "alice",
      login,
      [
        "mkdir docs",
        "cd docs",
        "pwd",
        "put big.bin",
        "put note.txt renamed-later.txt",
        "ls -l",
        "rename renamed-later.txt note.txt",
        "get big.bin big-back.bin",
        "get note.txt note-back.txt",
        "df",
        "cd /",
        "ls",
      ].join("\n") + "\n",
      { cwd: dir },
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Remote working directory: \/docs/);
    assert.match(result.stdout, /-rw-r--r-- +1 alice +alice +5255225 .* big\.bin/);
    assert.match(result.stdout, /Size +Used +Avail/);
    assert.equal(await fileSha256(join(dir, "big-back.bin")), sha256(big));
    assert.equal(await Deno.readTextFile(join(dir, "note-back.txt")), "hello sftp\n");
    assert.equal(await fileSha256(join(server.home("alice"), "docs", "big.bin")), sha256(big));
    const cleanup = await sftpBatch(
      server,
      "alice",
      login,
      "rm docs/big.bin\nrm docs/note.txt\nrmdir docs\nls\n",
      {
        cwd: dir,
      },
    );
    assert.equal(cleanup.code, 0, cleanup.stderr);
    assert.deepEqual(
      (await Array.fromAsync(Deno.readDir(server.home("alice")))).filter((e) =>
        !e.name.startsWith(".")
      ),
      [],
    );
    await server.waitForLog(
      /upload .*path=\/docs\/big\.bin .*bytes=5255225 .*result=complete protocol=sftp/,
    );
    await server.waitForLog(/download .*path=\/docs\/big\.bin .*result=complete protocol=sftp/);
  });
});

Deno.test("sftp: key logins; a wrong key, a wrong password and an unknown user get the same refusal", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "alice_ed25519");
    const rsa = await makeKey(dir, "alice_rsa", "rsa");
    const other = await makeKey(dir, "stranger");
    for (const file of [key, rsa]) {
      const added = await keyCommand(server, ["add", "alice", `${file}.pub`]);
      assert.equal(added.code, 0, added.stderr);
    }
    const listed = await keyCommand(server, ["list", "alice"]);
    assert.match(listed.stdout, /^SHA256:\S+ {2}ssh-ed25519 {2}\d{4}-\d\d-\d\d {2}alice_ed25519$/m);
    assert.match(listed.stdout, /ssh-rsa .*alice_rsa/);
    for (const file of [key, rsa]) {
      const ok = await sftpBatch(server, "alice", { key: file }, "pwd\n", { cwd: dir });
      assert.equal(ok.code, 0, ok.stderr);
    }
    const refusals = [
      await sftpBatch(server, "alice", { key: other }, "pwd\n", { cwd: dir }),
      await sftpBatch(server, "nobody", { key: key }, "pwd\n", { cwd: dir }),
      await sftpBatch(server, "alice", { password: "wrong-password" }, "pwd\n", { cwd: dir }),
      await sftpBatch(server, "nobody", { password: PASSWORD }, "pwd\n", { cwd: dir }),
    ];
    for (const refused of refusals) {
      assert.notEqual(refused.code, 0);
      assert.match(refused.stderr, /Permission denied \(publickey,password\)/);
    }
    await server.waitForLog(/login failed .*user=nobody .*protocol=sftp/);
  });
});

Deno.test("ftpx key: refuses short RSA keys, junk and a second add; rm by fingerprint", async () => {
  await withServer(async (server, dir) => {
    const weak = join(dir, "weak");
    await runProgram("ssh-keygen", ["-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", weak]);
    const refused = await keyCommand(server, ["add", "alice", `${weak}.pub`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /RSA key of 1024 bits refused: at least 2048/);
    const junk = await keyCommand(server, ["add", "alice", "-"], "ssh-ed25519 AAAAnotakey\n");
    assert.match(junk.stderr, /does not hold a ssh-ed25519 key|malformed/);
    const key = await makeKey(dir, "k");
    const line = await Deno.readTextFile(`${key}.pub`);
    assert.equal((await keyCommand(server, ["add", "alice", "-"], line)).code, 0);
    const again = await keyCommand(server, ["add", "alice", "-"], line);
    assert.match(again.stderr, /already has the key SHA256:/);
    const fingerprint = (await runProgram("ssh-keygen", ["-lf", `${key}.pub`])).stdout.split(
      " ",
    )[1]!;
    assert.equal((await keyCommand(server, ["rm", "alice", fingerprint])).code, 0);
    assert.match((await keyCommand(server, ["list", "alice"])).stdout, /"alice" has no keys/);
    const missing = await keyCommand(server, ["rm", "alice", fingerprint]);
    assert.match(missing.stderr, /has no key/);
    assert.equal((await keyCommand(server, ["list", "bob"])).code, 1);
    assert.equal((await keyCommand(server, ["frob", "alice"])).code, 2);
  });
});

Deno.test("sftp: scp both ways, with exit status 0", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "k");
    await keyCommand(server, ["add", "alice", `${key}.pub`]);
    const content = bytes(3 * MIB + 7, 9);
    await Deno.writeFile(join(dir, "up.bin"), content);
    const up = await scp(server, { key }, ["up.bin", "alice@127.0.0.1:/copy.bin"], dir);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(await fileSha256(join(server.home("alice"), "copy.bin")), sha256(content));
    const down = await scp(server, { key }, ["alice@127.0.0.1:/copy.bin", "down.bin"], dir);
    assert.equal(down.code, 0, down.stderr);
    assert.equal(await fileSha256(join(dir, "down.bin")), sha256(content));
  });
});

Deno.test("sftp: a disabled account is refused; a key removed during a session ends it", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "k");
    await keyCommand(server, ["add", "alice", `${key}.pub`]);
    const child = await sftpInteractive(server, "alice", { key }, dir);
    const stderr = new Response(child.stderr).text();
    const writer = child.stdin.getWriter();
    const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    await writer.write(new TextEncoder().encode("pwd\n"));
    while (!/Remote working directory: \//.test(seen)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`sftp ended before pwd answered:\n${seen}`);
      seen += value;
    }
    const fingerprint = (await runProgram("ssh-keygen", ["-lf", `${key}.pub`])).stdout.split(
      " ",
    )[1]!;
    assert.equal((await keyCommand(server, ["rm", "alice", fingerprint])).code, 0);
    await writer.write(new TextEncoder().encode("ls\n")).catch(() => {});
    await writer.close().catch(() => {});
    while (!(await lines.read()).done) { /* drain */ }
    await child.status;
    // The next request is refused and the connection closed by the server (the client may see
    // the close before it prints the refusal).
    assert.match(await stderr, /Received disconnect from 127\.0\.0\.1/);
    await server.waitForLog(
      /session ended .*reason=.*the key SHA256:\S+ of \\"alice\\" was removed/,
    );

    await server.addUser("carol", "carol-secret-1");
    const disabled = await runFtpx(["disable", "carol", "--data", server.dataDir]);
    assert.equal(disabled.code, 0, disabled.stderr);
    const refused = await sftpBatch(server, "carol", { password: "carol-secret-1" }, "pwd\n", {
      cwd: dir,
    });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /Permission denied/);
    await server.waitForLog(/login refused .*user=carol .*reason=disabled .*protocol=sftp/);
  });
});

Deno.test("sftp: reget after a killed download, reput after a killed upload (no half file, ever)", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "k");
    await keyCommand(server, ["add", "alice", `${key}.pub`]);
    const content = bytes(6 * MIB, 5);
    await Deno.writeFile(join(server.home("alice"), "big.bin"), content);
    // A proxy passing 2 MiB down holds the download there, so the client is killed mid-way.
    await using down = ThrottleProxy.start(server.sftpPort, { down: 2 * MIB });
    const killed = await runKilledSftp(server, key, "get big.bin\n", dir, down.port, async () => {
      const size = await Deno.stat(join(dir, "big.bin")).then((i) => i.size, () => 0);
      return size > 0;
    });
    assert.ok(killed > 0 && killed < content.length, `got ${killed} bytes before the kill`);
    const reget = await sftpBatch(server, "alice", { key }, "reget big.bin\n", { cwd: dir });
    assert.equal(reget.code, 0, reget.stderr);
    assert.equal(await fileSha256(join(dir, "big.bin")), sha256(content));

    // Upload: 2 MiB already there; reput the whole 6 MiB through a proxy that holds at 3 MiB up.
    await Deno.writeFile(join(dir, "up.bin"), content);
    await Deno.writeFile(join(dir, "prefix.bin"), content.subarray(0, 2 * MIB));
    const first = await sftpBatch(server, "alice", { key }, "put prefix.bin up.bin\n", {
      cwd: dir,
    });
    assert.equal(first.code, 0, first.stderr);
    await using up = ThrottleProxy.start(server.sftpPort, { up: 3 * MIB });
    await runKilledSftp(
      server,
      key,
      "reput up.bin\n",
      dir,
      up.port,
      async () => await largestPartial(server.home("alice")) > 2 * MIB,
    );
    await server.waitForLog(/upload .*path=\/up\.bin offset=2097152 .*result=aborted/);
    const remote = join(server.home("alice"), "up.bin");
    assert.equal(
      await fileSha256(remote),
      sha256(content.subarray(0, 2 * MIB)),
      "the old file stays whole",
    );
    const reput = await sftpBatch(server, "alice", { key }, "reput up.bin\n", { cwd: dir });
    assert.equal(reput.code, 0, reput.stderr);
    assert.equal(await fileSha256(remote), sha256(content));
    const partials = await Array.fromAsync(
      Deno.readDir(join(server.home("alice"), ".ftpx-partial")),
    );
    assert.deepEqual(partials, [], "no partial left behind");
  });
});

/** Runs an sftp batch through a proxy that holds it; once `started`, kills it. Returns local bytes. */
async function runKilledSftp(
  server: SftpTestServer,
  key: string,
  commands: string,
  dir: string,
  port: number,
  started: () => Promise<boolean>,
): Promise<number> {
  const batch = join(dir, "killed-batch");
  await Deno.writeTextFile(batch, commands);
  const child = new Deno.Command("sftp", {
    args: [...sshOptions(server, { key }), "-P", String(port), "-b", batch, "alice@127.0.0.1"],
    cwd: dir,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    // The proxy holds the rest: the transfer can't finish before the kill.
    await waitFor(started, "the transfer to start", 30_000);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  return await Deno.stat(join(dir, "big.bin")).then((i) => i.size, () => 0);
}

/** Bytes of the largest partial upload in a home. */
async function largestPartial(home: string): Promise<number> {
  let largest = 0;
  try {
    for await (const entry of Deno.readDir(join(home, ".ftpx-partial"))) {
      largest = Math.max(largest, (await Deno.stat(join(home, ".ftpx-partial", entry.name))).size);
    }
  } catch {
    // No partial directory yet.
  }
  return largest;
}

Deno.test("sftp: the quota refuses an upload as data arrives; nothing is left under the name", async () => {
  await withServer(async (server, dir) => {
    await server.addUser("quinn", "quinn-secret-1", ["--quota", "1M"]);
    await Deno.writeFile(join(dir, "two.bin"), bytes(2 * MIB, 1));
    await Deno.writeFile(join(dir, "small.bin"), bytes(100_000, 2));
    const login = { password: "quinn-secret-1" };
    const refused = await sftpBatch(server, "quinn", login, "put two.bin\n", { cwd: dir });
    assert.notEqual(refused.code, 0);
    assert.equal(await Deno.stat(join(server.home("quinn"), "two.bin")).catch(() => null), null);
    const fits = await sftpBatch(server, "quinn", login, "put small.bin\ndf\n", { cwd: dir });
    assert.equal(fits.code, 0, fits.stderr);
    // df shows the quota as the size (1024 KiB), the upload as used, the rest as free.
    assert.match(fits.stdout, /^ +1024 +100 +924 +924 +9%$/m);
  });
});

Deno.test("sftp: shell, exec and port forwarding are refused", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "k");
    await keyCommand(server, ["add", "alice", `${key}.pub`]);
    const exec = await ssh(server, { key }, ["alice@127.0.0.1", "cat /etc/passwd"], dir);
    assert.equal(exec.code, 255);
    assert.match(exec.stderr, /exec request failed/);
    const forward = await ssh(server, { key }, [
      "-N",
      "-o",
      "ExitOnForwardFailure=yes",
      "-R",
      "0:127.0.0.1:9",
      "alice@127.0.0.1",
    ], dir);
    assert.equal(forward.code, 255);
    assert.match(forward.stderr, /remote port forwarding failed/);
  });
});

Deno.test("sftp: a file written by SFTP is read by FTP and by the native client", async () => {
  await withServer(async (server, dir) => {
    const content = bytes(1 * MIB + 3, 4);
    await Deno.writeFile(join(dir, "shared.bin"), content);
    const put = await sftpBatch(server, "alice", { password: PASSWORD }, "put shared.bin\n", {
      cwd: dir,
    });
    assert.equal(put.code, 0, put.stderr);
    const ftp = await curl([
      "-o",
      join(dir, "ftp.bin"),
      ftpUrl(server as unknown as FtpTestServer, "alice", PASSWORD, "/shared.bin"),
    ]);
    assert.equal(ftp.code, 0, ftp.stderr);
    assert.equal(await fileSha256(join(dir, "ftp.bin")), sha256(content));
    const native = await server.client("alice", PASSWORD, {
      command: "get shared.bin native.bin",
      cwd: dir,
    });
    assert.equal(native.code, 0, native.stderr);
    assert.equal(await fileSha256(join(dir, "native.bin")), sha256(content));
  }, { args: ["--ftp-port", "0"] });
});

Deno.test("sftp: with chacha20-poly1305 a channel takes 256 KiB packets, with AES-GCM ssh2's 32 KiB; both upload whole", async () => {
  await withServer(async (server, dir) => {
    const key = await makeKey(dir, "k");
    assert.equal((await keyCommand(server, ["add", "alice", `${key}.pub`])).code, 0);
    const content = bytes(3 * MIB + 777, 5);
    await Deno.writeFile(join(dir, "up.bin"), content);
    const cases = [
      ["chacha20-poly1305@openssh.com", 262_144],
      ["aes128-gcm@openssh.com", 32_768],
    ] as const;
    for (const [cipher, maxPacket] of cases) {
      await Deno.writeTextFile(join(dir, "batch"), `put up.bin ${cipher}.bin\n`);
      const run = await runProgram("sftp", [
        ...sshOptions(server, { key }),
        "-vvv",
        "-c",
        cipher,
        "-P",
        String(server.sftpPort),
        "-b",
        join(dir, "batch"),
        "alice@127.0.0.1",
      ], { cwd: dir });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stderr, new RegExp(`open confirm rwindow \\d+ rmax ${maxPacket}\\b`));
      assert.equal(await fileSha256(join(server.home("alice"), `${cipher}.bin`)), sha256(content));
    }
  });
});
