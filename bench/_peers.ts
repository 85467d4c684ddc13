/**
 * The peer FTP servers of `deno task bench:peers`: vsftpd and pure-ftpd
 * from Debian, run in the foreground with our own configuration, on
 * loopback ports, stopped by pid (with their session processes).
 *
 * Installation: the Debian packages `vsftpd` and `pure-ftpd` conflict (both
 * provide `ftp-server`), and `pure-ftpd` pulls in an inetd. So when a
 * server is not installed already, its package is fetched with
 * `apt-get download` and unpacked with `dpkg-deb -x` into `bench/.work/peers/`
 * (git-ignored): no maintainer script runs, no service is registered or
 * started. Shared libraries they need and lack are installed with `apt-get
 * install` (libraries only). Needs root, as do the servers (chroot, PAM).
 *
 * Accounts: both servers log in a local Unix user, `ftpxbench` (created if
 * missing: no home created, shell /usr/sbin/nologin), through PAM's `other`
 * service (pam_unix, /etc/shadow: the usual path for a system account).
 * Each run sets a fresh random password and locks it again at the end.
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { RawFtpClient } from "../tests/_ftp.ts";
import { type RunOptions, runProgram } from "../tests/_spawn.ts";
import { stopTree } from "./_proc.ts";

/** The local Unix user the peers log in. */
export const PEER_USER = "ftpxbench";
/** A PAM service name with no file in /etc/pam.d: PAM then uses `other` (pam_unix). */
const PAM_SERVICE = "ftpxbench";
const CACHE = fileURLToPath(new URL("./.work/peers/", import.meta.url));
/** Libraries the two servers link against (Debian bookworm package names). */
const LIBRARIES = [
  "libc6",
  "libcap2",
  "libcrypt1",
  "libpam0g",
  "libpam-modules",
  "libsodium23",
  "libssl3",
  "libwrap0",
];
const START_TIMEOUT_MS = 5000;

/** A running FTP server under test. */
export interface FtpServer {
  readonly name: string;
  readonly ftpPort: number;
  /** The pid whose process tree is the server (listener and session processes). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** Runs a program to completion; throws with its stderr unless it succeeded. */
export async function run(
  program: string,
  args: string[],
  options: RunOptions = {},
): Promise<string> {
  // Bench transfers move gigabytes; only a truly hung peer should trip the deadline.
  const result = await runProgram(program, args, { deadlineMs: 3_600_000, ...options });
  if (result.code !== 0) {
    throw new Error(`${program} ${args.join(" ")} failed: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Paths of the two peer servers' binaries. */
export interface PeerBinaries {
  vsftpd: string;
  pureFtpd: string;
}

/**
 * Finds vsftpd and pure-ftpd: installed (`/usr/sbin`), else unpacked in
 * `bench/.work/peers/`, else fetched and unpacked there (see the module
 * doc). `log` tells what is being installed.
 */
export async function ensurePeerBinaries(log: (line: string) => void): Promise<PeerBinaries> {
  const root = join(CACHE, "root");
  const locate = async (pkg: string, binary: string): Promise<string> => {
    const installed = join("/usr/sbin", binary);
    if (await exists(installed)) return installed;
    const unpacked = join(root, "usr/sbin", binary);
    if (await exists(unpacked)) return unpacked;
    log(
      `fetching Debian package ${pkg} (apt-get download; unpacked, never installed as a service)`,
    );
    await Deno.mkdir(CACHE, { recursive: true });
    const download = () => run("apt-get", ["download", "-q", pkg], { cwd: CACHE });
    await download().catch(async () => {
      await run("apt-get", ["update", "-qq"]);
      await download();
    });
    const debs = [];
    for await (const entry of Deno.readDir(CACHE)) {
      if (entry.name.startsWith(`${pkg}_`) && entry.name.endsWith(".deb")) debs.push(entry.name);
    }
    if (debs.length === 0) throw new Error(`apt-get download ${pkg} left no .deb in ${CACHE}`);
    await run("dpkg-deb", ["-x", join(CACHE, debs.sort().at(-1)!), root]);
    return unpacked;
  };
  const binaries = {
    vsftpd: await locate("vsftpd", "vsftpd"),
    pureFtpd: await locate("pure-ftpd", "pure-ftpd"),
  };
  const ldd = await run("ldd", [binaries.vsftpd, binaries.pureFtpd]);
  if (ldd.includes("not found")) {
    log(`installing the libraries they need: ${LIBRARIES.join(" ")}`);
    await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...LIBRARIES], {
      env: { DEBIAN_FRONTEND: "noninteractive" },
    });
  }
  return binaries;
}

/**
 * Makes sure the local user {@linkcode PEER_USER} exists with `home` as its
 * home and a fresh random password, which it returns. Idempotent.
 */
export async function preparePeerUser(home: string): Promise<string> {
  const known = await run("id", ["-u", PEER_USER]).then(() => true, () => false);
  const settings = [
    "--home",
    home,
    "--shell",
    "/usr/sbin/nologin",
    "--comment",
    "ftpx bench (deno task bench-peers), password locked between runs",
  ];
  if (known) await run("usermod", [...settings, PEER_USER]);
  else await run("useradd", ["--no-create-home", ...settings, PEER_USER]);
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const password = `Fb-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
  await run("chpasswd", [], { stdin: `${PEER_USER}:${password}\n` });
  await run("chown", [PEER_USER, home]);
  return password;
}

/** Locks {@linkcode PEER_USER}'s password (the next run sets a new one). */
export async function lockPeerUser(): Promise<void> {
  await run("usermod", ["--lock", PEER_USER]).catch(() => {});
}

/** A free loopback TCP port (bound then released: fine on a machine we share politely). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A range of passive ports. */
export interface PortRange {
  first: number;
  last: number;
}

/**
 * `count` distinct ranges of 200 passive ports, one per server of a run:
 * below the kernel's ephemeral range (32768-60999) and away from ftpx's
 * default 50000-50100 that tests on this machine use; where in 20000-32000
 * is drawn at random, so two runs at once are unlikely to collide.
 */
export function passiveRanges(count: number): PortRange[] {
  const slots = 60;
  const start = Math.floor(Math.random() * slots);
  return Array.from({ length: count }, (_, i) => {
    const first = 20000 + ((start + i) % slots) * 200;
    return { first, last: first + 199 };
  });
}

/** Waits until an FTP server greets on `port`; throws if `child` exits first or after 5 s. */
async function waitForGreeting(port: number, child: Deno.ChildProcess, name: string) {
  let exited = false;
  child.status.then(() => exited = true);
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline && !exited) {
    try {
      const { client, greeting } = await RawFtpClient.connect(port);
      client.close();
      if (greeting.startsWith("220")) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${name} did not greet on 127.0.0.1:${port}${exited ? " (it exited)" : ""}`);
}

function serverOf(name: string, port: number, child: Deno.ChildProcess): FtpServer {
  return {
    name,
    ftpPort: port,
    pid: child.pid,
    async stop() {
      await stopTree(child.pid);
      await child.status;
    },
  };
}

async function startPeer(
  name: string,
  binary: string,
  args: string[],
  port: number,
): Promise<FtpServer> {
  const child = new Deno.Command(binary, {
    args,
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    await waitForGreeting(port, child, name);
  } catch (error) {
    await stopTree(child.pid);
    const stderr = new TextDecoder().decode((await child.output()).stderr).trim();
    throw new Error(`${(error as Error).message}${stderr ? `: ${stderr}` : ""}`);
  }
  // Nothing more is read from stderr; let it drain so a chatty server never blocks.
  child.stderr.pipeTo(new WritableStream()).catch(() => {});
  return serverOf(name, port, child);
}

/** Options of a peer server. */
export interface PeerOptions {
  binary: string;
  /** The directory served: the user's home (both servers chroot to it). */
  home: string;
  /** A scratch directory for configuration files. */
  workDir: string;
  /** Its passive data ports. */
  pasv: PortRange;
}

/** Starts vsftpd in the foreground (background=NO) with a configuration of our own. */
export async function startVsftpd(options: PeerOptions): Promise<FtpServer> {
  const port = freePort();
  const pasv = options.pasv;
  // vsftpd, started as root, wants an empty root-owned directory to chroot its unprivileged parts.
  const empty = join(options.workDir, "vsftpd-empty");
  await Deno.mkdir(empty, { recursive: true, mode: 0o755 });
  const config = join(options.workDir, "vsftpd.conf");
  await Deno.writeTextFile(
    config,
    [
      "listen=YES",
      "listen_ipv6=NO",
      "listen_address=127.0.0.1",
      `listen_port=${port}`,
      "background=NO",
      "anonymous_enable=NO",
      "local_enable=YES",
      "write_enable=YES",
      "local_umask=022",
      `local_root=${options.home}`,
      "chroot_local_user=YES",
      "allow_writeable_chroot=YES",
      "pasv_enable=YES",
      "pasv_address=127.0.0.1",
      `pasv_min_port=${pasv.first}`,
      `pasv_max_port=${pasv.last}`,
      "connect_from_port_20=NO",
      // In a container, vsftpd's seccomp filter refuses calls it needs; the rest of its privilege
      // separation stays on (one process per session and a privileged helper).
      "seccomp_sandbox=NO",
      "nopriv_user=nobody",
      `secure_chroot_dir=${empty}`,
      `pam_service_name=${PAM_SERVICE}`,
      "userlist_enable=NO",
      "xferlog_enable=NO",
      "max_clients=0",
      "max_per_ip=0",
      "idle_session_timeout=600",
      "",
    ].join("\n"),
  );
  return await startPeer("vsftpd", options.binary, [config], port);
}

/** Starts pure-ftpd in the foreground with its options on the command line. */
export async function startPureFtpd(options: PeerOptions): Promise<FtpServer> {
  const port = freePort();
  const pasv = options.pasv;
  return await startPeer("pure-ftpd", options.binary, [
    "--bind",
    `127.0.0.1,${port}`,
    "--passiveportrange",
    `${pasv.first}:${pasv.last}`,
    "--forcepassiveip",
    "127.0.0.1",
    "--noanonymous",
    "--chrooteveryone",
    // PAM (`other`: pam_unix), like vsftpd; `-l unix` would also want a shell from /etc/shells.
    "--login",
    "pam",
    "--minuid",
    "1",
    "--maxclientsnumber",
    "1000",
    "--maxclientsperip",
    "1000",
    "--dontresolve",
    "--syslogfacility",
    "none",
    "--maxidletime",
    "10",
  ], port);
}
