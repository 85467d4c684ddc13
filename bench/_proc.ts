/**
 * Figures of a server read from /proc: of one process, or of a process and
 * all its descendants (a forking server such as vsftpd runs one or two
 * processes per session). Read through `sh` and `cat`: with --allow-run,
 * Deno lets only --allow-all read another process's /proc entries, and the
 * benches keep least privilege otherwise.
 */

/** Clock ticks per second of /proc/PID/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

async function shell(script: string, args: string[] = []): Promise<string> {
  try {
    const output = await new Deno.Command("sh", {
      args: ["-c", script, "sh", ...args],
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(output.stdout);
  } catch {
    return "";
  }
}

/** A process's own line of /proc/PID/stat, parsed. */
interface StatLine {
  pid: number;
  ppid: number;
  /** utime + stime: its own CPU (not that of children it reaped), in ticks. */
  ownTicks: number;
}

function parseStat(line: string): StatLine | null {
  // Fields after the command name (which may hold spaces and parentheses) start after the last ")".
  const close = line.lastIndexOf(")");
  if (close < 0) return null;
  const pid = Number(line.slice(0, line.indexOf(" ")));
  const fields = line.slice(close + 2).split(" ");
  // fields[0] is field 3 (state): ppid is field 4, utime and stime fields 14 and 15.
  const ppid = Number(fields[1]);
  const ownTicks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isSafeInteger(pid) || !Number.isFinite(ownTicks)) return null;
  return { pid, ppid, ownTicks };
}

/**
 * A process's CPU so far, in seconds, from /proc/PID/stat: its own
 * (utime + stime, all its threads) and that of the children it has reaped
 * (cutime + cstime). Null once it is gone.
 */
export async function processCpu(pid: number): Promise<{ own: number; children: number } | null> {
  const line = (await shell('cat "/proc/$1/stat" 2>/dev/null', [String(pid)])).trim();
  const close = line.lastIndexOf(")");
  if (close < 0) return null;
  // fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14 to 17.
  const fields = line.slice(close + 2).split(" ").map(Number);
  return {
    own: (fields[11]! + fields[12]!) / TICKS_PER_SECOND,
    children: (fields[13]! + fields[14]!) / TICKS_PER_SECOND,
  };
}

/** `root` and every live descendant of it, from one pass over /proc/[0-9]*\/stat. */
async function tree(root: number): Promise<StatLine[]> {
  const text = await shell("cat /proc/[0-9]*/stat 2>/dev/null");
  const all = text.split("\n").map(parseStat).filter((line) => line !== null);
  const members = all.filter((line) => line.pid === root);
  for (let i = 0; i < members.length; i++) {
    for (const line of all) if (line.ppid === members[i]!.pid) members.push(line);
  }
  return members;
}

/** The pids of `root` and all its live descendants (root first; empty once it is gone). */
export async function treePids(root: number): Promise<number[]> {
  return (await tree(root)).map((line) => line.pid);
}

/** Memory of a process tree. */
export interface TreeFigures {
  /** How many processes (the root and its live descendants). */
  processes: number;
  /** Sum of their resident set sizes, in bytes (counts shared pages once per process). */
  rss: number;
  /** Sum of their proportional set sizes, in bytes (shared pages split between sharers). */
  pss: number;
  /**
   * Sum of their private pages (USS: Private_Clean + Private_Dirty), in
   * bytes: what the tree alone holds. Its growth is what new sessions cost,
   * for a forking server (whose sessions share the listener's pages) and a
   * threaded one alike, whatever other processes share the binary.
   */
  uss: number;
}

/** {@linkcode TreeFigures} of `root` and its descendants now; all 0 once it is gone. */
export async function treeFigures(root: number): Promise<TreeFigures> {
  const members = await tree(root);
  const pids = members.map((line) => String(line.pid));
  const rollups = pids.length === 0 ? "" : await shell(
    'for p in "$@"; do cat "/proc/$p/smaps_rollup" 2>/dev/null; done',
    pids,
  );
  const sum = (field: string) => {
    let total = 0;
    for (const match of rollups.matchAll(new RegExp(`^${field}:\\s+(\\d+) kB`, "gm"))) {
      total += Number(match[1]) * 1024;
    }
    return total;
  };
  return {
    processes: members.length,
    rss: sum("Rss"),
    pss: sum("Pss"),
    uss: sum("Private_Clean") + sum("Private_Dirty"),
  };
}

/**
 * Stops `root` and every descendant, by pid: SIGTERM to each, then, for
 * any still alive after `graceMs`, SIGKILL. Forking servers leave their
 * session processes running when only the listener is stopped.
 */
export async function stopTree(root: number, graceMs = 2000): Promise<void> {
  const signal = (pids: number[], name: Deno.Signal) => {
    for (const pid of pids) {
      try {
        Deno.kill(pid, name);
      } catch {
        // Already gone.
      }
    }
  };
  const pids = await treePids(root);
  signal(pids, "SIGTERM");
  const deadline = Date.now() + graceMs;
  let alive = pids;
  while (alive.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const now = new Set(await allPids());
    alive = alive.filter((pid) => now.has(pid));
  }
  signal(alive, "SIGKILL");
}

async function allPids(): Promise<number[]> {
  // Zombies (state Z) are gone for our purposes: they hold no sockets or memory.
  const text = await shell("cat /proc/[0-9]*/stat 2>/dev/null");
  return text.split("\n")
    .filter((line) =>
      line.length > 0 && line.slice(line.lastIndexOf(")") + 2, line.lastIndexOf(")") + 3) !== "Z"
    )
    .map((line) => Number(line.slice(0, line.indexOf(" "))));
}

/**
 * Measures the CPU time a process tree uses from now until `stop()`, its
 * short-lived processes included: samples the tree every `intervalMs` and
 * adds up, for each process seen, its own user + system time at its last
 * sample minus that at its first (0 for one started meanwhile). A session
 * process that exits between two samples loses at most one interval of its
 * time; the time of children a parent reaps (cutime) is not used, as a
 * server that ignores SIGCHLD never gets it, and it would count twice what
 * the samples saw.
 */
export function sampleTreeCpu(root: number, intervalMs = 50): { stop(): Promise<number> } {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let initial = true;
  let running = true;
  const sample = async () => {
    for (const line of await tree(root)) {
      if (!first.has(line.pid)) first.set(line.pid, initial ? line.ownTicks : 0);
      last.set(line.pid, line.ownTicks);
    }
    initial = false;
  };
  const loop = (async () => {
    await sample();
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      await sample();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      let ticks = 0;
      for (const [pid, end] of last) ticks += end - first.get(pid)!;
      return ticks / TICKS_PER_SECOND;
    },
  };
}
