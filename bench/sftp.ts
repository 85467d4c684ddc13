/**
 * `deno task bench:sftp`: ftpx's SFTP front beside OpenSSH's own sshd and
 * sftp-server, with the same client (OpenSSH's `sftp -b`), the same key
 * login (ed25519) and the same cipher (--cipher, chacha20-poly1305@openssh.com
 * by default, forced with `-c` for both), on loopback, the files on a tmpfs.
 *
 * Rows: a download and an upload of one file (--size, 1 GiB by default),
 * each the median of --runs runs, the servers taking turns within a run:
 * wall-clock MB/s of the `sftp` run (connection and login included), and
 * the server's CPU seconds per GiB moved. For ftpx that is utime + stime
 * of the server process (all its threads); for sshd, cutime + cstime of
 * the sshd master, read once the session's processes (sshd session,
 * privilege-separated child, sftp-server) have exited and been reaped.
 * Every transferred file's sha256 is checked against the source's.
 *
 * The anchor is started by the bench, never the packaged ssh service:
 * `/usr/sbin/sshd -D -e -f CONFIG` with a temporary config (loopback, a
 * free port, a temporary host key, `PidFile none`, `UsePAM no`, root login
 * by key only, an authorized_keys file of its own, `StrictModes no`). It
 * needs root, as sshd does. The files live on a tmpfs this bench mounts
 * under --dir and unmounts at the end (Deno refuses /dev, so /dev/shm is
 * out of reach without --allow-all). Everything it starts is stopped by pid
 * at the end, on error, on Ctrl-C, and after --timeout minutes at the
 * latest.
 *
 * Usage: deno task bench:sftp [--quick] [--size 1G] [--runs 3] [--dir /tmp] [--no-tmpfs]
 *          [--timeout 15] [--cipher chacha20-poly1305@openssh.com|aes128-gcm@openssh.com|...]
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { formatSize, parseSize } from "../protocol/size.ts";
import { RunGuard } from "./_guard.ts";
import { BenchServer, ftpxCommand, mbPerSecond, median, writeTestFile } from "./_lib.ts";
import { freePort, run } from "./_peers.ts";
import { processCpu, stopTree, treePids } from "./_proc.ts";

const USAGE = "Usage: deno task bench:sftp [--quick] [--size 1G] [--runs 3] [--dir /tmp] " +
  "[--no-tmpfs] [--timeout 15] [--cipher NAME]";
const FTPX_USER = "bench";
const SSHD = "/usr/sbin/sshd";
const SFTP_SERVER = "/usr/lib/openssh/sftp-server";
const START_TIMEOUT_MS = 10_000;

const { values } = parseArgs({
  args: Deno.args,
  options: {
    quick: { type: "boolean" },
    size: { type: "string" },
    runs: { type: "string" },
    dir: { type: "string", default: "/tmp" },
    "no-tmpfs": { type: "boolean" },
    timeout: { type: "string", default: "15" },
    cipher: { type: "string", default: "chacha20-poly1305@openssh.com" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}
const quick = values.quick ?? false;
const size = parseSize(values.size ?? (quick ? "128M" : "1G"));
const runs = Number(values.runs ?? (quick ? "1" : "3"));
const timeoutMinutes = Number(values.timeout);
/** The cipher both servers are held to; ftpx offers chacha20-poly1305 and AES-GCM only. */
const CIPHER = values.cipher;
if (
  !(Number.isSafeInteger(runs) && runs >= 1) || !(timeoutMinutes > 0) || !(size > 0) ||
  !/^[a-z0-9@.-]+$/.test(values.cipher)
) {
  console.error(`error: bad --size, --runs, --timeout or --cipher\n${USAGE}`);
  Deno.exit(2);
}

const guard = new RunGuard(timeoutMinutes);

/** A server under test: where `sftp` reaches it, and where its files are on disk. */
interface Target {
  name: string;
  port: number;
  user: string;
  /** The server's path of the source file, and the directory uploads go to (on the server). */
  remoteSource: string;
  remoteDir: string;
  /** The same directory on the bench's disk. */
  localDir: string;
  /** Server CPU seconds so far (as {@linkcode serverCpu} says for each). */
  cpu(): Promise<number>;
}

async function main(): Promise<void> {
  const uid = (await run("id", ["-u"])).trim();
  if (uid !== "0") throw new Error("bench:sftp needs root (sshd runs as root and logs in root)");
  const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ftpx-sftp-" });
  guard.onCleanUp(() => Deno.remove(root, { recursive: true }));
  if (!values["no-tmpfs"]) {
    // Room for the source and one transferred file at a time, with some to spare.
    const tmpfsBytes = Math.ceil((2 * size + 256 * 1024 * 1024) / 1024 / 1024);
    await run("mount", ["-t", "tmpfs", "-o", `size=${tmpfsBytes}m,mode=0755`, "ftpx-sftp", root]);
    guard.onCleanUp(() => run("umount", [root]).then(() => {}));
  }
  await Deno.chmod(root, 0o755);
  const version = await sshVersion();
  console.log(
    `ftpx bench:sftp: ${formatSize(size)} file, median of ${runs} run(s), ${CIPHER}; loopback, ` +
      `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, ${version}, ${
        values["no-tmpfs"] ? "" : "tmpfs "
      }${root}`,
  );

  const key = join(root, "id_ed25519");
  await run("ssh-keygen", ["-t", "ed25519", "-N", "", "-f", key, "-q"]);
  const source = join(root, "source.bin");
  await writeTestFile(source, size);
  const sourceSha = await sha256(source);

  // ftpx: its own data dir on the tmpfs, the source hard-linked into the user's home.
  const ftpx = await BenchServer.start(join(root, "ftpx-data"), ["--sftp-port", "0"]);
  guard.onCleanUp(() => ftpx.stop());
  await ftpx.addUser(FTPX_USER, crypto.randomUUID());
  await ftpxCli(["key", "add", FTPX_USER, `${key}.pub`, "--data", ftpx.dataDir]);
  const ftpxHome = ftpx.home(FTPX_USER);
  await Deno.mkdir(ftpxHome, { recursive: true });
  await Deno.link(source, join(ftpxHome, "big.bin"));

  // OpenSSH: sshd in the foreground, serving the same tmpfs to root.
  const sshd = await startSshd(root, `${key}.pub`);
  guard.onCleanUp(() => sshd.stop());
  const sshdHome = join(root, "sshd-files");
  await Deno.mkdir(sshdHome);
  await Deno.link(source, join(sshdHome, "big.bin"));

  const targets: Target[] = [
    {
      name: "ftpx",
      port: ftpx.sftpPort!,
      user: FTPX_USER,
      remoteSource: "/big.bin",
      remoteDir: "/",
      localDir: ftpxHome,
      cpu: async () => (await processCpu(ftpx.pid))?.own ?? NaN,
    },
    {
      name: "OpenSSH",
      port: sshd.port,
      user: "root",
      remoteSource: join(sshdHome, "big.bin"),
      remoteDir: sshdHome,
      localDir: sshdHome,
      cpu: async () => {
        // The session's processes are reaped by the master: wait until it is alone again.
        const deadline = Date.now() + START_TIMEOUT_MS;
        while ((await treePids(sshd.pid)).length > 1 && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return (await processCpu(sshd.pid))?.children ?? NaN;
      },
    },
  ];

  const results = new Map<string, number[]>();
  const add = (key: string, value: number) => results.set(key, [...results.get(key) ?? [], value]);
  const gib = size / 2 ** 30;
  const clientDir = join(root, "client");
  await Deno.mkdir(clientDir);
  for (let round = 1; round <= runs; round++) {
    console.log(`  run ${round}/${runs}...`);
    for (const target of targets) {
      const downloaded = join(clientDir, "down.bin");
      const down = await transfer(target, key, `get ${target.remoteSource} ${downloaded}`);
      await expectSha(downloaded, sourceSha, `${target.name} download`);
      await Deno.remove(downloaded);
      add(`${target.name} download`, mbPerSecond(size, down.seconds));
      add(`${target.name} download cpu`, down.cpuSeconds / gib);

      const up = await transfer(target, key, `put ${source} ${join(target.remoteDir, "up.bin")}`);
      const uploaded = join(target.localDir, "up.bin");
      await expectSha(uploaded, sourceSha, `${target.name} upload`);
      await Deno.remove(uploaded);
      add(`${target.name} upload`, mbPerSecond(size, up.seconds));
      add(`${target.name} upload cpu`, up.cpuSeconds / gib);
    }
  }
  print(results);
}

/** One `sftp -b` run of one command; its wall-clock seconds and the server CPU it cost. */
async function transfer(
  target: Target,
  key: string,
  command: string,
): Promise<{ seconds: number; cpuSeconds: number }> {
  const cpuBefore = await target.cpu();
  const started = performance.now();
  const output = await new Deno.Command("sftp", {
    args: [
      "-q",
      "-F",
      "/dev/null",
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      "LogLevel=ERROR",
      "-i",
      key,
      "-c",
      CIPHER,
      "-P",
      String(target.port),
      "-b",
      "-",
      `${target.user}@127.0.0.1`,
    ],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const writer = output.stdin.getWriter();
  await writer.write(new TextEncoder().encode(`${command}\n`));
  await writer.close();
  const status = await output.output();
  const seconds = (performance.now() - started) / 1000;
  if (!status.success) {
    throw new Error(
      `sftp to ${target.name} failed (${command}): ${new TextDecoder().decode(status.stderr)}`,
    );
  }
  const cpuAfter = await target.cpu();
  return { seconds, cpuSeconds: cpuAfter - cpuBefore };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

async function expectSha(path: string, expected: string, what: string): Promise<void> {
  const actual = await sha256(path);
  if (actual !== expected) throw new Error(`${what}: sha256 ${actual}, expected ${expected}`);
}

async function sshVersion(): Promise<string> {
  const output = await new Deno.Command("ssh", { args: ["-V"], stdout: "null", stderr: "piped" })
    .output();
  return new TextDecoder().decode(output.stderr).trim().split(",")[0] ?? "OpenSSH";
}

/** Runs an ftpx subcommand (as the bench's servers run, see `_lib.ts`). */
async function ftpxCli(args: string[]): Promise<void> {
  const { command, args: full } = ftpxCommand(args);
  await run(command, full, { env: { NO_COLOR: "1" } });
}

/** sshd in the foreground on a free loopback port, logging in root by `publicKey` only. */
async function startSshd(root: string, publicKey: string) {
  const dir = join(root, "sshd");
  await Deno.mkdir(dir, { mode: 0o700 });
  const hostKey = join(dir, "ssh_host_ed25519_key");
  await run("ssh-keygen", ["-t", "ed25519", "-N", "", "-f", hostKey, "-q"]);
  const authorizedKeys = join(dir, "authorized_keys");
  await Deno.copyFile(publicKey, authorizedKeys);
  // sshd has no "Port 0": take a free port (bound and released just before).
  const port = freePort();
  const config = join(dir, "sshd_config");
  await Deno.writeTextFile(
    config,
    [
      `ListenAddress 127.0.0.1:${port}`,
      `HostKey ${hostKey}`,
      "PidFile none",
      `AuthorizedKeysFile ${authorizedKeys}`,
      "StrictModes no",
      "UsePAM no",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "PermitRootLogin prohibit-password",
      "KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org",
      `Ciphers ${CIPHER}`,
      "HostKeyAlgorithms ssh-ed25519",
      `Subsystem sftp ${SFTP_SERVER}`,
      "LogLevel INFO",
      "",
    ].join("\n"),
  );
  const child = new Deno.Command(SSHD, {
    args: ["-D", "-e", "-f", config],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stop = async () => {
    await stopTree(child.pid);
    await child.status;
  };
  const lines = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  const timer = setTimeout(() => lines.cancel().catch(() => {}), START_TIMEOUT_MS);
  try {
    while (!/Server listening on 127\.0\.0\.1 port \d+/.test(seen)) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`sshd did not start: ${seen}`);
      seen += value;
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  (async () => {
    while (!(await lines.read()).done) { /* drain */ }
  })().catch(() => {});
  return { port, pid: child.pid, stop };
}

function print(results: Map<string, number[]>): void {
  const get = (key: string) => {
    const list = results.get(key);
    return list && list.length > 0 ? median(list) : NaN;
  };
  const format = (value: number) =>
    Number.isNaN(value) ? "-" : value >= 100 ? value.toFixed(0) : value.toFixed(2);
  const lines: string[][] = [["measurement", "ftpx", "OpenSSH", "ftpx / OpenSSH"]];
  for (const direction of ["download", "upload"]) {
    const speed = [get(`ftpx ${direction}`), get(`OpenSSH ${direction}`)] as const;
    lines.push([
      `${formatSize(size)} ${direction} (MB/s)`,
      format(speed[0]),
      format(speed[1]),
      `${(100 * speed[0] / speed[1]).toFixed(0)}%`,
    ]);
    const cpu = [get(`ftpx ${direction} cpu`), get(`OpenSSH ${direction} cpu`)] as const;
    lines.push([
      `server CPU per GiB, ${direction} (s)`,
      format(cpu[0]),
      format(cpu[1]),
      `${(100 * cpu[0] / cpu[1]).toFixed(0)}%`,
    ]);
  }
  const widths = lines[0]!.map((_, i) => Math.max(...lines.map((line) => line[i]!.length)));
  console.log();
  for (const line of lines) {
    console.log(
      line.map((cell, i) => i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))
        .join("  "),
    );
  }
}

// Last, once every function and constant above is defined.
await guard.run(main);
