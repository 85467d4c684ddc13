/**
 * Small operations only, the rows of `bench:peers` that a change to the
 * per-command path moves: FTP NOOP, SIZE and MDTM round trips and a LIST of
 * 2,000 entries (Python's ftplib, as in bench:peers), native `stat` and `ls`
 * of the same 2,000 (the bench's protocol-level client), and the server's
 * memory fresh. With `--baseline CMD` (a command that runs another ftpx,
 * like FTPX_BIN), both servers run side by side and take turns, several
 * times, so the ratios compare them under the same load: on a shared
 * machine only ratios within one run mean anything.
 *
 * Each row also gives the server's CPU time per operation (all its threads,
 * from /proc), which a busy machine blurs less than wall-clock time.
 *
 *   deno task bench:small [--baseline CMD] [--turns 3] [--rounds 2000]
 *     [--rows noop,size,mdtm,list,stat,ls]
 *
 * For CMD, a script that runs another tree's main.ts, e.g. (after
 * `git archive main | tar -x -C /tmp/base`):
 *   exec /path/to/deno run --quiet --config /tmp/base/deno.json --allow-net --allow-read \
 *     --allow-write --allow-env --allow-sys=hostname /tmp/base/main.ts "$@"
 */

import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { BenchServer, listingTime, logIn, median, statRoundTrip } from "./_lib.ts";
import { run } from "./_peers.ts";
import { processCpu, treeFigures } from "./_proc.ts";

const USER = "bench";
const PASSWORD = "bench-password";
const LIST_ENTRIES = 2000;
const PYTHON_CLIENT = fileURLToPath(new URL("./_ftp_client.py", import.meta.url));

const { values } = parseArgs({
  args: Deno.args,
  options: {
    baseline: { type: "string" },
    turns: { type: "string", default: "3" },
    rounds: { type: "string", default: "2000" },
    rows: { type: "string", default: "noop,size,mdtm,list,stat,ls" },
  },
});
const TURNS = Number(values.turns);
const ROUNDS = Number(values.rounds);
const LIST_ROUNDS = 20;
const SELECTED = new Set(values.rows.split(","));

type Measured = "noop" | "size" | "mdtm" | "list" | "stat" | "ls";
type Row = Measured | `${Measured}Cpu` | "fresh";
const ROWS: Record<Row, string> = {
  noop: "FTP NOOP round trip, us",
  size: "FTP SIZE round trip, us",
  mdtm: "FTP MDTM round trip, us",
  list: `FTP LIST of ${LIST_ENTRIES}, ms`,
  stat: "native stat round trip, us",
  ls: `native ls of ${LIST_ENTRIES}, ms`,
  noopCpu: "server CPU per NOOP, us",
  sizeCpu: "server CPU per SIZE, us",
  mdtmCpu: "server CPU per MDTM, us",
  listCpu: `server CPU per LIST of ${LIST_ENTRIES}, ms`,
  statCpu: "server CPU per native stat, us",
  lsCpu: `server CPU per native ls of ${LIST_ENTRIES}, ms`,
  fresh: "server memory fresh, MB RSS (PSS)",
};

interface Subject {
  name: string;
  server: BenchServer;
  figures: Map<Row, number[]>;
  pss: number;
}

async function startSubject(name: string, root: string, bin: string | undefined) {
  const ini = join(root, `${name}.ini`);
  await Deno.writeTextFile(ini, "login_attempts_per_minute = 10000\n");
  const previous = Deno.env.get("FTPX_BIN");
  if (bin === undefined) Deno.env.delete("FTPX_BIN");
  else Deno.env.set("FTPX_BIN", bin);
  try {
    const server = await BenchServer.start(join(root, name), ["--ftp-port", "0", "--config", ini]);
    return { name, server, figures: new Map<Row, number[]>(), pss: 0 };
  } finally {
    if (previous === undefined) Deno.env.delete("FTPX_BIN");
    else Deno.env.set("FTPX_BIN", previous);
  }
}

async function prepareHome(subject: Subject): Promise<void> {
  await subject.server.addUser(USER, PASSWORD);
  const home = subject.server.home(USER);
  await Deno.writeFile(join(home, "big.bin"), new Uint8Array(1 << 20));
  await Deno.mkdir(join(home, "listing"));
  for (let i = 0; i < LIST_ENTRIES; i++) {
    await Deno.writeTextFile(join(home, "listing", `file-${String(i).padStart(4, "0")}.dat`), "x");
  }
}

async function ftplib(subject: Subject, args: string[]): Promise<Record<string, number>> {
  const output = await run(
    "python3",
    [PYTHON_CLIENT, args[0]!, String(subject.server.ftpPort), USER, ...args.slice(1)],
    { env: { FTP_PASSWORD: PASSWORD } },
  );
  return JSON.parse(output);
}

function add(subject: Subject, row: Row, value: number): void {
  const list = subject.figures.get(row) ?? [];
  list.push(value);
  subject.figures.set(row, list);
}

/**
 * Runs `work` (which does `count` operations and returns its own median
 * figure) and records that figure and the server's CPU time per operation,
 * in the same unit. The CPU time (clock ticks of /proc, so runs need enough
 * operations) is what a busy shared machine blurs least.
 */
async function timed(
  subject: Subject,
  row: Measured,
  count: number,
  unit: "us" | "ms",
  work: () => Promise<number>,
): Promise<void> {
  if (!SELECTED.has(row)) return;
  const before = await processCpu(subject.server.pid);
  add(subject, row, await work());
  const after = await processCpu(subject.server.pid);
  const seconds = after!.own - before!.own;
  add(subject, `${row}Cpu`, seconds * (unit === "us" ? 1e6 : 1e3) / count);
}

async function measure(subject: Subject): Promise<void> {
  const rounds = String(ROUNDS);
  const roundTrips = ROUNDS + Math.floor(ROUNDS / 10);
  const listings = LIST_ROUNDS + Math.floor(LIST_ROUNDS / 5);
  const ftp = (row: Measured, args: string[], unit: "us" | "ms") =>
    timed(
      subject,
      row,
      unit === "us" ? roundTrips : listings,
      unit,
      async () => (await ftplib(subject, args))[unit]!,
    );
  await ftp("noop", ["roundtrip", "NOOP", "", rounds, "200"], "us");
  await ftp("size", ["roundtrip", "SIZE", "big.bin", rounds], "us");
  await ftp("mdtm", ["roundtrip", "MDTM", "big.bin", rounds], "us");
  await ftp("list", ["list", "listing", String(LIST_ENTRIES), String(LIST_ROUNDS)], "ms");
  if (!SELECTED.has("stat") && !SELECTED.has("ls")) return;
  const connection = await logIn(subject.server.port, USER, PASSWORD);
  try {
    await timed(
      subject,
      "stat",
      roundTrips,
      "us",
      () => statRoundTrip(connection, "big.bin", ROUNDS),
    );
    const options = { entries: LIST_ENTRIES, rounds: LIST_ROUNDS };
    const nativeListings = LIST_ROUNDS + Math.ceil(LIST_ROUNDS / 4);
    await timed(
      subject,
      "ls",
      nativeListings,
      "ms",
      () => listingTime(connection, "listing", options),
    );
  } finally {
    connection.close();
  }
}

function format(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

function print(subjects: Subject[]): void {
  const head = ["measurement", ...subjects.map((s) => s.name)];
  if (subjects.length === 2) head.push("ratio");
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map(() => "---").join("|")}|`);
  for (const [row, label] of Object.entries(ROWS) as [Row, string][]) {
    if (!subjects[0]!.figures.has(row)) continue;
    const medians = subjects.map((s) => median(s.figures.get(row) ?? [NaN]));
    const cells = medians.map((m, i) =>
      row === "fresh" ? `${format(m)} (${format(subjects[i]!.pss)})` : format(m)
    );
    if (subjects.length === 2) cells.push(`${(medians[1]! / medians[0]!).toFixed(2)}x`);
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
}

async function main(): Promise<void> {
  const root = await Deno.makeTempDir({ prefix: "ftpx-small-ops-" });
  const subjects: Subject[] = [];
  try {
    if (values.baseline) subjects.push(await startSubject("baseline", root, values.baseline));
    subjects.push(await startSubject("this tree", root, Deno.env.get("FTPX_BIN")));
    for (const subject of subjects) {
      const fresh = await treeFigures(subject.server.pid);
      add(subject, "fresh", fresh.rss / 1e6);
      subject.pss = fresh.pss / 1e6;
      await prepareHome(subject);
      // The first login costs scrypt (~40 ms of CPU); later ones hit the login cache. Not a row's.
      await ftplib(subject, ["login", "1"]);
    }
    for (let turn = 0; turn < TURNS; turn++) {
      for (const subject of subjects) await measure(subject);
    }
    console.log(
      `${TURNS} turns, ${ROUNDS} round trips each, ${navigator.hardwareConcurrency} cores ` +
        `(shared machine: compare within this run)`,
    );
    print(subjects);
  } finally {
    for (const subject of subjects) await subject.server.stop();
    await Deno.remove(root, { recursive: true });
  }
}

await main();
