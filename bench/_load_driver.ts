/**
 * One driver process of `load.ts`: runs many clients in one event loop with
 * the real client code (connection, upload and download modules). Each
 * client logs in once, then, after the parent's "go", loops random
 * operations (ls, get, put, mkdir, rm, rmdir, now and then a fresh
 * connection and login, or a transfer cut halfway and resumed) in its own
 * directory until the deadline, checking every answer against what it
 * knows it stored. Protocol with the parent:
 * the plan as JSON in argument 1; stdout gets one JSON line `ready` after
 * the logins, and one `result` line at the end; stdin sends `go`.
 */

import { join } from "node:path";
import { fileSha256 } from "../tests/_data.ts";
import process from "node:process";
import { Connection, ConnectionLostError, RemoteError } from "../client/connection.ts";
import { Progress } from "../client/progress.ts";
import { ResumeStore } from "../client/resume_store.ts";
import { downloadFile, type TransferEnv } from "../client/transfer/download.ts";
import { uploadFile, type UploadResult } from "../client/transfer/upload.ts";
import {
  type ClientState,
  type DriverPlan,
  type DriverResult,
  type Kind,
  KINDS,
  LOAD_MIX,
} from "./_load.ts";

/** Files a client keeps at most; past that, put replaces one. */
const MAX_FILES_PER_CLIENT = 6;
const MAX_DIRS_PER_CLIENT = 4;

/** How long a put after a cut may keep finding the cut upload still in progress. */
const BUSY_RETRY_MS = 30_000;

/** Transfers cut halfway by "drop" are of files at least this big. */
const DROP_MIN_BYTES = 1024 * 1024;

const plan: DriverPlan = JSON.parse(Deno.args[0]!);
const MIX = plan.mix ?? LOAD_MIX;
const store = new ResumeStore(join(plan.workDir, "resume.ini"));
const latencies = Object.fromEntries(KINDS.map((kind) => [kind, [] as number[]])) as Record<
  Kind,
  number[]
>;
const errors: { kind: string; message: string }[] = [];
const bytes = { get: 0, put: 0 };
let verifiedGets = 0;
/** Transfers that continued from where a cut one stopped. */
const resumed = { get: 0, put: 0 };
/** Puts after a cut that first found the cut upload in progress: ms from the cut to success. */
const busy: number[] = [];

class Client {
  readonly id: number;
  readonly user: string;
  readonly password: string;
  readonly dir: string;
  readonly files = new Map<string, string>();
  readonly dirs = new Set<string>();
  connection: Connection | undefined;
  #nextName = 0;
  #quitNext = false;

  constructor(spec: { id: number; user: string; password: string }) {
    this.id = spec.id;
    this.user = spec.user;
    this.password = spec.password;
    this.dir = `/load/c${spec.id}`;
  }

  async connect(): Promise<void> {
    const connection = await Connection.open({ host: "127.0.0.1", port: plan.port });
    try {
      await connection.call("login", { user: this.user, password: this.password });
    } catch (error) {
      connection.close();
      throw error;
    }
    this.connection = connection;
  }

  get #conn(): Connection {
    if (!this.connection) throw new Error("Not connected");
    return this.connection;
  }

  /** The transfer environment; with `dropAt`, the connection is cut once that many bytes moved. */
  #env(dropAt?: number): TransferEnv {
    const connection = this.#conn;
    return {
      connection,
      user: this.user,
      store,
      progress: (options) => {
        const progress = new Progress({ live: false, write: () => {}, line: () => {} }, options);
        if (dropAt === undefined) return progress;
        const update = progress.update.bind(progress);
        progress.update = (position) => {
          update(position);
          if (position >= dropAt) connection.close();
        };
        return progress;
      },
      notice: (line) => {
        throw new Error(`Unexpected notice: ${line}`);
      },
    };
  }

  /** Picks the next operation from what the client has. */
  choose(): Kind {
    const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = Math.random() * total;
    for (const [kind, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return kind;
    }
    return "ls";
  }

  async run(kind: Kind): Promise<void> {
    switch (kind) {
      case "login":
        return await this.#reconnect();
      case "ls":
        return await this.#list();
      case "stat":
        return await this.#stat();
      case "get":
        return await this.#get();
      case "put":
        return await this.#put();
      case "mkdir":
        return await this.#mkdir();
      case "rm":
        return await this.#rm();
      case "rmdir":
        return await this.#rmdir();
      case "drop":
        return await (Math.random() < 0.5 ? this.#dropPut() : this.#dropGet());
    }
  }

  /**
   * A put cut off halfway (the connection closes), then, after a new login,
   * the same put again: it must complete and verify, resuming from what the
   * server kept.
   */
  async #dropPut(): Promise<void> {
    const source = pick(plan.pool.filter((file) => file.size >= DROP_MIN_BYTES));
    const name = `f${this.#nextName++}`;
    const upload = { local: source.path, remote: `${this.dir}/${name}` };
    await expectCut(uploadFile(this.#env(source.size / 2), upload));
    const cutAt = performance.now();
    this.connection = undefined;
    await this.connect();
    const result = await this.#putAfterCut(upload, cutAt);
    if (result.sha256 !== source.sha256) throw new Error(`put ${name} after a cut: wrong sha256`);
    if (result.resumedAt > 0) resumed.put++;
    this.files.set(name, source.sha256);
    bytes.put += source.size - result.resumedAt;
  }

  /**
   * The put after a cut. The server may not have wound down the cut upload
   * yet (it holds the partial until it has read the end of the stream and
   * settled the quota), and then answers 409 "in progress": a user would
   * try again, and so does this, for at most {@linkcode BUSY_RETRY_MS}.
   */
  async #putAfterCut(
    upload: { local: string; remote: string },
    cutAt: number,
  ): Promise<UploadResult> {
    for (let attempt = 1;; attempt++) {
      try {
        const result = await uploadFile(this.#env(), upload);
        if (attempt > 1) busy.push(performance.now() - cutAt);
        return result;
      } catch (error) {
        const inProgress = error instanceof RemoteError && error.status === 409;
        if (!inProgress || performance.now() - cutAt > BUSY_RETRY_MS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 50 * attempt)));
      }
    }
  }

  /** A get cut off halfway, then the same get after a new login: it must resume and verify. */
  async #dropGet(): Promise<void> {
    const [name, sha256] = pick(
      Object.entries(plan.shared).filter(([, sha]) =>
        plan.pool.some((file) => file.sha256 === sha && file.size >= DROP_MIN_BYTES)
      ),
    );
    const size = plan.pool.find((file) => file.sha256 === sha256)!.size;
    const local = join(plan.workDir, `c${this.id}.bin`);
    const download = { remote: `/shared/${name}`, local, resume: "auto" } as const;
    await expectCut(downloadFile(this.#env(size / 2), download));
    this.connection = undefined;
    await this.connect();
    const result = await downloadFile(this.#env(), download);
    const actual = await fileSha256(local);
    if (actual !== sha256) throw new Error(`get ${name} after a cut: sha256 ${actual} on disk`);
    if (result.resumedAt === 0) throw new Error(`get ${name} after a cut started over`);
    resumed.get++;
    verifiedGets++;
    bytes.get += size - result.resumedAt;
  }

  /** Leaves politely (quit) or abruptly (close) in turn, then logs in again. */
  async #reconnect(): Promise<void> {
    const old = this.#conn;
    this.connection = undefined;
    if (this.#quitNext) await old.call("quit");
    old.close();
    this.#quitNext = !this.#quitNext;
    await this.connect();
  }

  /** Lists its own directory (must match exactly) or the shared one. */
  async #list(): Promise<void> {
    const own = Math.random() < 0.7;
    const path = own ? this.dir : "/shared";
    const { entries } = await this.#conn.list(path);
    const expected = own
      ? [...this.files.keys(), ...this.dirs].sort()
      : Object.keys(plan.shared).sort();
    const names = entries.map((entry) => entry.name).sort();
    if (names.join("/") !== expected.join("/")) {
      throw new Error(`ls ${path}: got [${names}], expected [${expected}]`);
    }
  }

  /** Stats one of its files or directories (its own directory while it has none). */
  async #stat(): Promise<void> {
    const names = [...this.files.keys(), ...this.dirs];
    const path = names.length === 0 ? this.dir : `${this.dir}/${pick(names)}`;
    await this.#conn.call("stat", { path });
  }

  /** Downloads one of its files (or a shared one) and checks the bytes on disk. */
  async #get(): Promise<void> {
    const own = [...this.files.entries()];
    const shared = Object.entries(plan.shared).map(([name, sha]) => [`/shared/${name}`, sha]);
    const useOwn = own.length > 0 && Math.random() < 0.7;
    const [remote, expected] = useOwn
      ? (([name, sha]) => [`${this.dir}/${name}`, sha])(pick(own))
      : pick(shared);
    const local = join(plan.workDir, `c${this.id}.bin`);
    const result = await downloadFile(this.#env(), { remote: remote!, local, resume: "auto" });
    const actual = await fileSha256(local);
    if (actual !== expected || result.sha256 !== expected) {
      throw new Error(`get ${remote}: sha256 ${actual} on disk, expected ${expected}`);
    }
    verifiedGets++;
    bytes.get += result.size;
  }

  /** Uploads a pool file as a new file, or over one of its files once it has enough. */
  async #put(): Promise<void> {
    const source = pick(plan.pool);
    const replace = this.files.size >= MAX_FILES_PER_CLIENT ||
      (this.files.size > 0 && Math.random() < 0.25);
    const name = replace ? pick([...this.files.keys()]) : `f${this.#nextName++}`;
    this.files.delete(name); // Unknown until the put says it stored it.
    const result = await uploadFile(this.#env(), {
      local: source.path,
      remote: `${this.dir}/${name}`,
    });
    if (result.sha256 !== source.sha256 || result.size !== source.size) {
      throw new Error(`put ${name}: client hashed ${result.sha256}, expected ${source.sha256}`);
    }
    this.files.set(name, source.sha256);
    bytes.put += source.size;
  }

  async #mkdir(): Promise<void> {
    if (this.dirs.size >= MAX_DIRS_PER_CLIENT) return await this.#rmdir();
    const name = `d${this.#nextName++}`;
    await this.#conn.call("mkdir", { path: `${this.dir}/${name}` });
    this.dirs.add(name);
  }

  async #rm(): Promise<void> {
    if (this.files.size === 0) return await this.#put();
    const name = pick([...this.files.keys()]);
    this.files.delete(name);
    await this.#conn.call("rm", { path: `${this.dir}/${name}` });
  }

  async #rmdir(): Promise<void> {
    if (this.dirs.size === 0) return await this.#mkdir();
    const name = pick([...this.dirs]);
    this.dirs.delete(name);
    await this.#conn.call("rmdir", { path: `${this.dir}/${name}` });
  }

  state(): ClientState {
    return {
      id: this.id,
      user: this.user,
      dir: this.dir,
      files: Object.fromEntries(this.files),
      dirs: [...this.dirs],
    };
  }
}

/** Waits for a transfer that was cut to fail as a lost connection. */
async function expectCut(transfer: Promise<unknown>): Promise<void> {
  try {
    await transfer;
  } catch (error) {
    if (error instanceof ConnectionLostError) return;
    throw error;
  }
  throw new Error("A transfer cut halfway succeeded");
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/** Unfinished downloads the store still lists for this driver's users: all finished. */
async function staleRecords(): Promise<number> {
  const users = [...new Set(plan.clients.map((client) => client.user))];
  const server = `127.0.0.1:${plan.port}`;
  const lists = await Promise.all(users.map((user) => store.list(server, user)));
  return lists.reduce((sum, records) => sum + records.length, 0);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function emit(line: unknown): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(line) + "\n"));
}

async function waitForGo(): Promise<void> {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  while (!seen.includes("go\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error("The parent went away before go");
    seen += value;
  }
  lines.releaseLock();
}

/** Runs one client's operations until the deadline; a failed operation reconnects. */
async function loop(client: Client, deadline: number): Promise<void> {
  while (performance.now() < deadline) {
    const kind = client.connection ? client.choose() : "login";
    const started = performance.now();
    try {
      if (kind === "login" && !client.connection) await client.connect();
      else await client.run(kind);
      latencies[kind].push(performance.now() - started);
    } catch (error) {
      errors.push({ kind, message: describe(error) });
      client.connection?.close();
      client.connection = undefined;
    }
  }
}

const clients = plan.clients.map((spec) => new Client(spec));
const loginStart = performance.now();
const logins: number[] = [];
await Promise.all(clients.map(async (client) => {
  const started = performance.now();
  try {
    await client.connect();
    logins.push(performance.now() - started);
    await client.connection!.call("mkdir", { path: client.dir, parents: true });
  } catch (error) {
    errors.push({ kind: "setup", message: describe(error) });
  }
}));
const loginMs = performance.now() - loginStart;
emit({ type: "ready" });
await waitForGo();
const runStart = performance.now();
const cpuAtStart = process.cpuUsage();
await Promise.all(clients.map((client) => loop(client, runStart + plan.duration * 1000)));
const runMs = performance.now() - runStart;
const cpu = process.cpuUsage(cpuAtStart);
await Promise.all(clients.map(async (client) => {
  try {
    await client.connection?.call("quit");
  } catch (error) {
    errors.push({ kind: "quit", message: describe(error) });
  }
  client.connection?.close();
}));
const result: DriverResult = {
  type: "result",
  latencies,
  logins,
  loginMs,
  runMs,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
  verifiedGets,
  resumed,
  busyAfterCut: busy,
  bytes,
  errors,
  clients: clients.map((client) => client.state()),
  staleResumeRecords: await staleRecords(),
};
emit(result);
