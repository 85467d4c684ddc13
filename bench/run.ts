/**
 * `deno task bench`: throughput and latency of ftpx on loopback, against a
 * raw-TCP ceiling measured in the same run. Prints, as medians of --runs:
 * the ceiling (a bare Deno sender, no protocol, receiver discarding; and the
 * same receiver writing to disk), ftpx download and upload of one file
 * (default 1 GiB, verified by sha256, to disk), the same download without
 * sha256 (to show what verification costs) and discarded (the server's data
 * path against the ceiling, like for like), 16 concurrent downloads of
 * size/16 each, a stat round trip, a 2,000-entry listing, and the peak RSS
 * of server and client. Standard FTP is measured beside them with curl as
 * the client: download to disk, upload from disk, and download over FTPS
 * (PROT P, the test certificate). Each measurement starts after a `sync`
 * (nothing dirty or being freed from an earlier step), and the server knows
 * the file's sha256 beforehand, as for any file uploaded with ftpx. Figures
 * are noisy on a shared machine: compare the ratios, and rerun when the
 * machine is quiet.
 *
 * Usage: deno task bench [--size 1G] [--runs 3] [--dir /tmp]
 */

import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { formatSize, parseSize } from "../protocol/size.ts";
import {
  BenchServer,
  concurrentGets,
  fetchHelper,
  ftpxCommand,
  listingTime,
  logIn,
  mbPerSecond,
  median,
  rawTcp,
  runSampled,
  statRoundTrip,
  writeTestFile,
} from "./_lib.ts";

const USER = "bench";
const PASSWORD = "bench-password";
const CONCURRENT = 16;
const LIST_ENTRIES = 2000;
const STAT_ROUNDS = 2000;
const BENCH_LOGINS_PER_MINUTE = 10_000;
const FIXTURES = fileURLToPath(new URL("../tests/fixtures/", import.meta.url));
const TEST_CERT = join(FIXTURES, "localhost_cert.pem");

const { values } = parseArgs({
  args: Deno.args,
  options: {
    size: { type: "string", default: "1G" },
    runs: { type: "string", default: "3" },
    dir: { type: "string", default: "/tmp" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log("Usage: deno task bench [--size 1G] [--runs 3] [--dir /tmp]");
  Deno.exit(0);
}
const size = parseSize(values.size!);
const runs = Math.max(1, Number(values.runs));
const root = await Deno.makeTempDir({ dir: values.dir, prefix: "ftpx-bench-" });
const cleanup = () => Deno.removeSync(root, { recursive: true });
Deno.addSignalListener("SIGINT", () => {
  cleanup();
  Deno.exit(130);
});

try {
  await main();
} finally {
  cleanup();
}

async function main(): Promise<void> {
  const source = join(root, "source.bin");
  const client = join(root, "client");
  await Deno.mkdir(client);
  console.log(
    `ftpx bench: ${formatSize(size)} file, median of ${runs} run(s), loopback, ` +
      `${navigator.hardwareConcurrency} cores, Deno ${Deno.version.deno}, in ${root}`,
  );
  await writeTestFile(source, size);
  // Native ftpx and plain FTP on a server without TLS (the ceiling is plain TCP too); FTPS on a
  // second server with a certificate, serving the same file.
  // The bench logs in far more often than a person would: lift the per-address login rate.
  const ini = join(root, "server.ini");
  await Deno.writeTextFile(ini, `login_attempts_per_minute = ${BENCH_LOGINS_PER_MINUTE}\n`);
  const server = await BenchServer.start(join(root, "data"), ["--ftp-port", "0", "--config", ini]);
  let tlsServer: BenchServer | undefined;
  try {
    tlsServer = await startTlsServer(source);
    await server.addUser(USER, PASSWORD);
    const home = server.home(USER);
    await Deno.link(source, join(home, "big.bin"));
    const part = Math.floor(size / CONCURRENT);
    for (let i = 0; i < CONCURRENT; i++) await writeTestFile(join(home, `part${i}.bin`), part);
    await prepareListing(home);
    await learnDigest(server.port, "big.bin");

    const results: Record<string, number[]> = {};
    const record = (name: string, value: number) => (results[name] ??= []).push(value);
    let clientPeak = 0;
    for (let run = 1; run <= runs; run++) {
      Deno.stdout.writeSync(new TextEncoder().encode(`run ${run}/${runs}...\r`));
      // Every target is removed before its timed transfer: replacing a 1 GiB file costs the
      // file system seconds (freeing its blocks), which is no part of a transfer.
      await removeTargets(server.port, client);
      // Each measurement starts from a settled disk: see settleDisk().
      await settleDisk();
      record("ceiling", await rawTcp(source, null));
      await settleDisk();
      record("ceilingDisk", await rawTcp(source, join(root, "ceiling.out")));
      await settleDisk();
      const get = await ftpxTransfer(server.port, client, `get big.bin down.bin`);
      record("get", get.rate);
      clientPeak = Math.max(clientPeak, get.peakRss);
      await settleDisk();
      record("getPlain", await fetchTo(server.port, ["big.bin"], client));
      await settleDisk();
      record("getDiscard", await fetchTo(server.port, ["big.bin"], null));
      await settleDisk();
      const put = await ftpxTransfer(server.port, client, `put ${source} up.bin`);
      record("put", put.rate);
      clientPeak = Math.max(clientPeak, put.peakRss);
      await settleDisk();
      const parts = Array.from({ length: CONCURRENT }, (_, i) => `part${i}.bin`);
      record(
        "concurrent",
        await concurrentGets({ port: server.port, user: USER, password: PASSWORD }, parts),
      );
      const ftpPort = server.ftpPort!;
      const downloaded = join(client, "ftp-down.bin");
      await settleDisk();
      record("ftpGet", await curlTransfer(ftpPort, "/big.bin", ["-o", downloaded]));
      await Deno.remove(downloaded);
      await settleDisk();
      record("ftpPut", await curlTransfer(ftpPort, "/ftp-up.bin", ["-T", source]));
      const tls = ["--ssl-reqd", "--cacert", TEST_CERT, "-o", downloaded];
      await settleDisk();
      record("ftpsGet", await curlTransfer(tlsServer.ftpPort!, "/big.bin", tls));
      await Deno.remove(downloaded);
    }
    const latency = await smallOperations(server.port);
    report(results, latency, { server: await server.peakRss(), client: clientPeak });
  } finally {
    await server.stop();
    await tlsServer?.stop();
  }
}

/** A server with the test certificate (FTPS), the bench user and `source` as its big.bin. */
async function startTlsServer(source: string): Promise<BenchServer> {
  const cert = join(root, "cert.pem");
  const key = join(root, "key.pem");
  await Deno.copyFile(TEST_CERT, cert);
  await Deno.copyFile(join(FIXTURES, "localhost_key.pem"), key);
  await Deno.chmod(key, 0o600);
  const ini = join(root, "tls.ini");
  await Deno.writeTextFile(
    ini,
    `tls_cert = ${cert}\ntls_key = ${key}\nlogin_attempts_per_minute = ${BENCH_LOGINS_PER_MINUTE}\n`,
  );
  const server = await BenchServer.start(join(root, "tls-data"), [
    "--ftp-port",
    "0",
    "--config",
    ini,
  ]);
  await server.addUser(USER, PASSWORD);
  await Deno.link(source, join(server.home(USER), "big.bin"));
  return server;
}

/**
 * Has the server compute and cache the sha256 of `path` (a `checksum`), as
 * it has for any file uploaded with ftpx (a put records it): timed
 * downloads then measure the steady state, not a file's first hashing.
 */
async function learnDigest(port: number, path: string): Promise<void> {
  const connection = await logIn(port, USER, PASSWORD);
  try {
    await connection.call("checksum", { path });
  } finally {
    connection.close();
  }
}

/**
 * Writes back what earlier steps left dirty in the page cache (gigabytes)
 * and lets the file system finish freeing removed files (discards on this
 * kind of VM), so neither lands in the next measurement: every measurement,
 * ceilings included, starts from the same state.
 */
async function settleDisk(): Promise<void> {
  const { success } = await new Deno.Command("sync", { stdout: "null", stderr: "null" }).output();
  if (!success) throw new Error("sync failed");
}

/** Deletes what the previous run wrote: local downloads, the ceiling's file, the uploaded file. */
async function removeTargets(port: number, client: string): Promise<void> {
  for (const name of ["down.bin", "0.out"]) await Deno.remove(join(client, name)).catch(() => {});
  await Deno.remove(join(root, "ceiling.out")).catch(() => {});
  const connection = await logIn(port, USER, PASSWORD);
  try {
    for (const path of ["up.bin", "ftp-up.bin"]) await connection.request("rm", { path });
  } finally {
    connection.close();
  }
}

/** Runs one ftpx client command; returns its rate from the summary line and its peak RSS. */
async function ftpxTransfer(
  port: number,
  cwd: string,
  command: string,
): Promise<{ rate: number; peakRss: number }> {
  const { command: program, args } = ftpxCommand([
    "connect",
    "-P",
    String(port),
    "-u",
    USER,
    "-c",
    command,
  ]);
  const { output, peakRss } = await runSampled(
    new Deno.Command(program, {
      args,
      cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { FTPX_PASSWORD: PASSWORD, FTPX_HOME: join(cwd, ".config"), NO_COLOR: "1" },
    }),
  );
  const stderr = new TextDecoder().decode(output.stderr);
  const match = / in (\d+(?:\.\d+)?)s /.exec(stderr);
  if (!output.success || !match) throw new Error(`"${command}" failed: ${stderr}`);
  return { rate: mbPerSecond(size, Number(match[1])), peakRss };
}

/**
 * One curl FTP transfer of `size` bytes; returns MB/s over the transfer
 * itself (curl's time from the start of the transfer to the final reply).
 */
async function curlTransfer(ftpPort: number, path: string, args: string[]): Promise<number> {
  const output = await new Deno.Command("curl", {
    args: [
      "--silent",
      "--show-error",
      "--write-out",
      "%{size_download} %{size_upload} %{time_pretransfer} %{time_total}",
      ...args,
      `ftp://${USER}:${PASSWORD}@127.0.0.1:${ftpPort}${path}`,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout).trim().split(/\s+/).map(Number);
  const [down = 0, up = 0, start = 0, end = 0] = text;
  if (!output.success || Math.max(down, up) !== size) {
    throw new Error(`curl ${path} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  return mbPerSecond(size, end - start);
}

/** Protocol-level gets without sha256, to files in `outDir` (null: discarded); returns MB/s. */
async function fetchTo(port: number, paths: string[], outDir: string | null): Promise<number> {
  const out = outDir === null ? [] : ["--out", outDir];
  const result = await fetchHelper([...out, String(port), USER, PASSWORD, ...paths]);
  return mbPerSecond(result.bytes, (result.end - result.start) / 1000);
}

async function prepareListing(home: string): Promise<void> {
  const dir = join(home, "listing");
  await Deno.mkdir(dir);
  for (let i = 0; i < LIST_ENTRIES; i++) {
    await Deno.writeFile(
      join(dir, `file-${String(i).padStart(5, "0")}.txt`),
      new Uint8Array(i % 97),
    );
  }
}

/** Median stat round trip (us) and 2,000-entry listing (ms), from this process. */
async function smallOperations(port: number): Promise<{ statUs: number; listMs: number }> {
  const connection = await logIn(port, USER, PASSWORD);
  try {
    return {
      statUs: await statRoundTrip(connection, "big.bin", STAT_ROUNDS),
      listMs: await listingTime(connection, "listing", { entries: LIST_ENTRIES, rounds: 20 }),
    };
  } finally {
    connection.close();
  }
}

function report(
  results: Record<string, number[]>,
  latency: { statUs: number; listMs: number },
  rss: { server: number; client: number },
): void {
  const m = (name: string) => median(results[name]!);
  const ceiling = m("ceiling");
  const disk = m("ceilingDisk");
  const line = (label: string, mbps: number, note = "") =>
    console.log(
      `${label.padEnd(44)} ${mbps.toFixed(0).padStart(6)} MB/s  ${
        ((mbps / ceiling) * 100).toFixed(0).padStart(3)
      }% of ceiling${note}`,
    );
  const ofDisk = (mbps: number) => `, ${((mbps / disk) * 100).toFixed(0)}% of disk ceiling`;
  console.log("".padEnd(40));
  line("raw TCP ceiling (receiver discards)", ceiling);
  line("raw TCP to disk (receiver writes a file)", disk);
  line(`ftpx get, sha256-verified, to disk`, m("get"), ofDisk(m("get")));
  line(`ftpx get without sha256, to disk`, m("getPlain"), ofDisk(m("getPlain")));
  line(`ftpx get without sha256, discarded`, m("getDiscard"));
  line(`ftpx put, sha256-verified, to disk`, m("put"), ofDisk(m("put")));
  line(`${CONCURRENT} concurrent gets of ${formatSize(size / CONCURRENT)}`, m("concurrent"));
  line("FTP download (curl, to disk)", m("ftpGet"), ofDisk(m("ftpGet")));
  line("FTP upload (curl, from disk)", m("ftpPut"), ofDisk(m("ftpPut")));
  line("FTPS download (curl, PROT P, to disk)", m("ftpsGet"), ofDisk(m("ftpsGet")));
  const cost = (m("getPlain") / m("get") - 1) * 100;
  console.log(`${"sha256 verification cost (get)".padEnd(44)} ${cost.toFixed(0).padStart(6)} %`);
  console.log(`${"stat round trip".padEnd(44)} ${latency.statUs.toFixed(0).padStart(6)} us`);
  console.log(
    `${`${LIST_ENTRIES}-entry listing`.padEnd(44)} ${latency.listMs.toFixed(1).padStart(6)} ms`,
  );
  console.log(
    `${"peak RSS server / client".padEnd(44)} ${formatSize(rss.server)} / ${
      formatSize(rss.client)
    }`,
  );
  console.log(
    "(vsftpd on this kind of machine: get ~2180, 16 concurrent ~1830, put ~900 MB/s, stat ~52 us, listing ~13 ms)",
  );
}
