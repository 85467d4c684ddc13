/**
 * A client of mixed operations for load tests: in process, over the native
 * protocol (the real client's {@linkcode Connection}), so dozens of them run
 * in one event loop. Each works in its own directory of its user's home and
 * keeps a model of what it stored there: every reply is checked against it
 * (a listing's names, a stat's size, a download's sha256 of the bytes that
 * arrived), and it reconnects every few operations, so through a balancer
 * one client's files are written on one node and read on another.
 */

import assert from "node:assert/strict";
import { writeAll } from "../protocol/frame_writer.ts";
import type { Entry } from "../protocol/messages.ts";
import { Connection, type ResponseHeader } from "../client/connection.ts";
import { randomBytes, sha256 } from "./_data.ts";

/** The operations, each with its weight in the mix. */
const MIX = [
  ["put", 30],
  ["get", 20],
  ["ls", 12],
  ["stat", 12],
  ["mkdir", 6],
  ["mv", 10],
  ["rm", 10],
] as const;

/** An operation of the mix. */
export type LoadOp = (typeof MIX)[number][0];

/** Largest file a client puts: small, so the load is operations, not bytes. */
const MAX_FILE_BYTES = 24 * 1024;

/** Operations between two connections (each a new login, maybe on the other node). */
const OPS_PER_CONNECTION = 8;

/** Who a client is and what it does. */
export interface LoadClientSpec {
  /** Its directory is `/c<id>`. */
  id: number;
  user: string;
  password: string;
  port: number;
  /** Operations to run. */
  ops: number;
  /** Seed of its choices (file contents are random anyway). */
  seed: number;
}

/** What one client did and left behind. */
export interface LoadClientResult {
  /** Operations run, by kind. */
  counts: Record<LoadOp, number>;
  /** Logins (one per connection). */
  logins: number;
  /** Its files at the end: path in the home to sha256 and size. */
  files: Map<string, { sha256: string; size: number }>;
}

/** Sends a `put` with `content` as its body; returns the reply, whatever its status. */
export async function sendPut(
  connection: Connection,
  fields: { path: string; size: number; offset?: number; sha256?: string },
  content: Uint8Array,
): Promise<ResponseHeader> {
  const id = await connection.send("put", { ...fields, body: content.length });
  await writeAll(connection.sink, content);
  return await connection.readResponse(id);
}

/** Reads `length` bytes of a reply's body. */
export async function readBody(connection: Connection, length: number): Promise<Uint8Array> {
  const content = new Uint8Array(length);
  let filled = 0;
  while (filled < length) filled += await connection.reader.readBody(content.subarray(filled));
  return content;
}

/** Opens a connection to `port` and logs in; throws unless both succeed. */
export async function logIn(port: number, user: string, password: string): Promise<Connection> {
  const connection = await Connection.open({ host: "127.0.0.1", port });
  try {
    await connection.call("login", { user, password });
  } catch (error) {
    connection.close();
    throw error;
  }
  return connection;
}

/** Runs one client to the end; throws, naming the client and operation, on any wrong reply. */
export async function runLoadClient(spec: LoadClientSpec): Promise<LoadClientResult> {
  const client = new LoadClient(spec);
  try {
    await client.run();
  } catch (error) {
    throw new Error(`client ${spec.id} (${spec.user}, seed ${spec.seed}): ${String(error)}`, {
      cause: error,
    });
  } finally {
    client.close();
  }
  return { counts: client.counts, logins: client.logins, files: client.files };
}

class LoadClient {
  readonly counts = Object.fromEntries(MIX.map(([op]) => [op, 0])) as Record<LoadOp, number>;
  readonly files = new Map<string, { sha256: string; size: number }>();
  logins = 0;
  readonly #spec: LoadClientSpec;
  readonly #root: string;
  /** Its subdirectories (paths in the home), the root first. */
  readonly #dirs: string[];
  readonly #random: () => number;
  #connection: Connection | undefined;
  #nextName = 0;

  constructor(spec: LoadClientSpec) {
    this.#spec = spec;
    this.#root = `/c${spec.id}`;
    this.#dirs = [this.#root];
    this.#random = seededRandom(spec.seed);
  }

  async run(): Promise<void> {
    await this.#connect();
    await this.#conn.call("mkdir", { path: this.#root });
    for (let done = 0; done < this.#spec.ops; done++) {
      if (done > 0 && done % OPS_PER_CONNECTION === 0) await this.#connect();
      const op = this.#choose();
      await this.#run(op);
      this.counts[op]++;
    }
  }

  close(): void {
    this.#connection?.close();
  }

  get #conn(): Connection {
    if (!this.#connection) throw new Error("Not connected");
    return this.#connection;
  }

  async #connect(): Promise<void> {
    this.#connection?.close();
    this.#connection = undefined;
    this.#connection = await logIn(this.#spec.port, this.#spec.user, this.#spec.password);
    this.logins++;
  }

  /** An operation of the mix, by weight; with no file yet, a put. */
  #choose(): LoadOp {
    if (this.files.size === 0) return "put";
    const total = MIX.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.#random() * total;
    for (const [op, weight] of MIX) {
      roll -= weight;
      if (roll < 0) return op;
    }
    return "put";
  }

  #run(op: LoadOp): Promise<void> {
    switch (op) {
      case "put":
        return this.#put();
      case "get":
        return this.#get();
      case "ls":
        return this.#list();
      case "stat":
        return this.#stat();
      case "mkdir":
        return this.#mkdir();
      case "mv":
        return this.#move();
      case "rm":
        return this.#remove();
    }
  }

  /** A new file, or (one time in three) new content over one of its files. */
  async #put(): Promise<void> {
    const path = this.files.size > 0 && this.#random() < 1 / 3 ? this.#pickFile() : this.#newPath();
    const content = randomBytes(Math.floor(this.#random() * MAX_FILE_BYTES));
    const digest = sha256(content);
    const reply = await sendPut(
      this.#conn,
      { path, size: content.length, sha256: digest },
      content,
    );
    assert.equal(reply.status, 201, `put ${path}: ${reply.message}`);
    assert.equal(reply.sha256, digest, `put ${path}: the server's sha256`);
    this.files.set(path, { sha256: digest, size: content.length });
  }

  /** Downloads one of its files and checks the sha256 of the bytes received. */
  async #get(): Promise<void> {
    const path = this.#pickFile();
    const expected = this.files.get(path)!;
    const reply = await this.#conn.call("get", { path });
    assert.equal(reply.body, expected.size, `get ${path}: body length`);
    const content = await readBody(this.#conn, expected.size);
    assert.equal(sha256(content), expected.sha256, `get ${path}: sha256 of the bytes received`);
  }

  /** Lists one of its directories: exactly its files and subdirectories there. */
  async #list(): Promise<void> {
    const dir = this.#pick(this.#dirs);
    const { entries } = await this.#conn.list(dir);
    const inDir = (path: string) => path.slice(0, path.lastIndexOf("/")) === dir;
    const expected = [...this.files.keys(), ...this.#dirs].filter(inDir).map(baseName).sort();
    assert.deepEqual(entries.map((entry: Entry) => entry.name).sort(), expected, `ls ${dir}`);
  }

  async #stat(): Promise<void> {
    const path = this.#pickFile();
    const reply = await this.#conn.call("stat", { path });
    const entry = reply.entry as Entry;
    assert.deepEqual(
      { type: entry.type, size: entry.size },
      { type: "file", size: this.files.get(path)!.size },
      `stat ${path}`,
    );
  }

  async #mkdir(): Promise<void> {
    const path = `${this.#root}/d${this.#nextName++}`;
    const reply = await this.#conn.request("mkdir", { path });
    assert.equal(reply.status, 201, `mkdir ${path}: ${reply.message}`);
    this.#dirs.push(path);
  }

  /** Renames one of its files to a new name, maybe in another of its directories. */
  async #move(): Promise<void> {
    const from = this.#pickFile();
    const to = this.#newPath();
    await this.#conn.call("mv", { from, to });
    this.files.set(to, this.files.get(from)!);
    this.files.delete(from);
  }

  async #remove(): Promise<void> {
    const path = this.#pickFile();
    const reply = await this.#conn.call("rm", { path });
    assert.equal(reply.freed, this.files.get(path)!.size, `rm ${path}: bytes freed`);
    this.files.delete(path);
  }

  #newPath(): string {
    return `${this.#pick(this.#dirs)}/f${this.#nextName++}`;
  }

  #pickFile(): string {
    return this.#pick([...this.files.keys()]);
  }

  #pick<T>(items: T[]): T {
    return items[Math.floor(this.#random() * items.length)]!;
  }
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A small seeded generator (mulberry32): the same seed, the same choices. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
