/**
 * Helpers for SFTP end-to-end tests: a real server with SFTP on, OpenSSH's
 * own clients (sftp, scp, ssh) run as child processes with a known_hosts
 * file holding the host key the server printed, and user keys made by
 * ssh-keygen.
 */

import { join } from "node:path";
import { runFtpx, runProgram, type RunResult, type ServerOptions, TestServer } from "./_spawn.ts";

/** A {@linkcode TestServer} with SFTP on, and where a client finds its host key. */
export interface SftpTestServer extends TestServer {
  readonly sftpPort: number;
  /** The fingerprint the server printed (`SHA256:...`). */
  readonly hostFingerprint: string;
  /** A known_hosts file with the server's key (clients check it strictly). */
  readonly knownHosts: string;
}

/** The name known_hosts holds the server's key under. */
const HOST_ALIAS = "ftpx-test-server";

/** Starts a server with SFTP on a free port. */
export async function startSftpServer(options: ServerOptions = {}): Promise<SftpTestServer> {
  const server = await TestServer.start({
    ...options,
    args: ["--sftp-port", "0", ...options.args ?? []],
  });
  const printed = /SFTP on \S+:(\d+), host key ED25519 (SHA256:\S+)/.exec(server.startup);
  if (!printed) {
    await server.stop();
    throw new Error(`Server did not report an SFTP port:\n${server.startup}`);
  }
  const sftpPort = Number(printed[1]);
  const publicLine = (await Deno.readTextFile(join(server.dataDir, "sftp_host_ed25519_key.pub")))
    .trim();
  const knownHosts = join(server.dataDir, "..", "known_hosts");
  // Under an alias, so a client connecting through a test proxy (another port) checks it too.
  await Deno.writeTextFile(knownHosts, `${HOST_ALIAS} ${publicLine}\n`);
  return Object.assign(server, { sftpPort, hostFingerprint: printed[2]!, knownHosts });
}

/** How a client logs in: a password (through SSH_ASKPASS) or a private key file. */
export type SftpLogin = { password: string } | { key: string };

/** OpenSSH options: strict host key checking against the server's key, one way to log in. */
export function sshOptions(server: SftpTestServer, login: SftpLogin): string[] {
  const common = [
    "-o",
    `HostKeyAlias=${HOST_ALIAS}`,
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    `UserKnownHostsFile=${server.knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "ConnectTimeout=20",
    "-o",
    "ServerAliveInterval=10",
    "-F",
    "/dev/null",
  ];
  if ("key" in login) {
    return [...common, "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-i", login.key];
  }
  return [
    ...common,
    "-o",
    "BatchMode=no",
    "-o",
    "PubkeyAuthentication=no",
    "-o",
    "PreferredAuthentications=password",
    "-o",
    "NumberOfPasswordPrompts=1",
  ];
}

/** The environment that makes OpenSSH read a password from `$FTPX_TEST_PASSWORD` without a terminal. */
export async function askpassEnv(dir: string, password: string): Promise<Record<string, string>> {
  const script = join(dir, "askpass.sh");
  await Deno.writeTextFile(script, '#!/bin/sh\nprintf "%s\\n" "$FTPX_TEST_PASSWORD"\n', {
    mode: 0o700,
  });
  return {
    SSH_ASKPASS: script,
    SSH_ASKPASS_REQUIRE: "force",
    DISPLAY: ":0",
    FTPX_TEST_PASSWORD: password,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    HOME: dir,
  };
}

/** Options for {@linkcode sftpBatch}. */
export interface ClientOptions {
  /** Port to connect to (default: the server's SFTP port; a proxy's, to cut a transfer short). */
  port?: number;
  cwd: string;
}

/** Runs `sftp -b` with `commands` (one a line) as `user`; the run's output and status. */
export async function sftpBatch(
  server: SftpTestServer,
  user: string,
  login: SftpLogin,
  commands: string,
  options: ClientOptions,
): Promise<RunResult> {
  const batch = join(options.cwd, `batch-${crypto.randomUUID()}`);
  await Deno.writeTextFile(batch, commands);
  const args = [
    ...sshOptions(server, login),
    "-P",
    String(options.port ?? server.sftpPort),
    "-b",
    batch,
    `${user}@127.0.0.1`,
  ];
  return await runSsh("sftp", args, login, options.cwd);
}

/** Runs `scp ARGS` (with the login's options) in `cwd`. */
export function scp(
  server: SftpTestServer,
  login: SftpLogin,
  args: string[],
  cwd: string,
): Promise<RunResult> {
  return runSsh(
    "scp",
    [...sshOptions(server, login), "-P", String(server.sftpPort), ...args],
    login,
    cwd,
  );
}

/** Runs `ssh ARGS` (with the login's options) against the server. */
export function ssh(
  server: SftpTestServer,
  login: SftpLogin,
  args: string[],
  cwd: string,
): Promise<RunResult> {
  return runSsh(
    "ssh",
    [...sshOptions(server, login), "-p", String(server.sftpPort), ...args],
    login,
    cwd,
  );
}

/** Starts `sftp -b -` reading commands from a pipe the test writes (a session kept open). */
export async function sftpInteractive(
  server: SftpTestServer,
  user: string,
  login: SftpLogin,
  cwd: string,
): Promise<Deno.ChildProcess> {
  const args = [
    ...sshOptions(server, login),
    "-P",
    String(server.sftpPort),
    "-b",
    "-",
    `${user}@127.0.0.1`,
  ];
  return new Deno.Command("setsid", {
    args: ["-w", "sftp", ...args],
    cwd,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    env: "password" in login
      ? await askpassEnv(cwd, login.password)
      : { PATH: Deno.env.get("PATH") ?? "" },
    clearEnv: true,
  }).spawn();
}

async function runSsh(
  program: string,
  args: string[],
  login: SftpLogin,
  cwd: string,
): Promise<RunResult> {
  // setsid: no controlling terminal, so OpenSSH asks SSH_ASKPASS for the password.
  const env = "password" in login
    ? await askpassEnv(cwd, login.password)
    : { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: cwd };
  return await runProgram("timeout", ["120", "setsid", "-w", program, ...args], { cwd, env });
}

/** Makes an SSH key pair with ssh-keygen; returns the private key's path (`.pub` beside it). */
export async function makeKey(dir: string, name: string, type = "ed25519"): Promise<string> {
  const path = join(dir, name);
  const bits = type === "rsa" ? ["-b", "2048"] : [];
  const made = await runProgram("ssh-keygen", [
    "-q",
    "-t",
    type,
    ...bits,
    "-N",
    "",
    "-C",
    name,
    "-f",
    path,
  ]);
  if (made.code !== 0) throw new Error(`ssh-keygen failed: ${made.stderr}`);
  return path;
}

/** `ftpx key ARGS --data DIR` on the server's data dir. */
export function keyCommand(server: TestServer, args: string[], stdin?: string): Promise<RunResult> {
  return runFtpx(["key", ...args, "--data", server.dataDir], stdin === undefined ? {} : { stdin });
}
