/**
 * Records of unfinished downloads, so they can be resumed after any
 * interruption (network drop, Ctrl-C, SIGKILL, server restart): an INI file
 * `resume.ini` in the client's config dir (`$FTPX_HOME`, default
 * `~/.config/ftpx`), one section per transfer. Every change rewrites the
 * file through a temporary file and a rename, so a crash leaves the old or
 * the new version, never a torn one. Each change re-reads the file first,
 * under an exclusive lock on `resume.ini.lock` beside it, so concurrent
 * clients (several `ftpx connect` at once, or parallel transfers) never lose
 * each other's records.
 */

import { createHash } from "node:crypto";
import { dirname, join } from "node:path";
import { parse, stringify } from "ini";

/** One unfinished download. */
export interface ResumeRecord {
  /** `host:port` of the server. */
  server: string;
  user: string;
  /** Remote virtual path (absolute). */
  remote: string;
  /** Absolute local target path (the partial is `<local>.ftpx-part`). */
  local: string;
  /** Identity of the remote file when the download began. */
  size: number;
  mtime: number;
  tag: string;
  /** When the download began, milliseconds since the epoch. */
  started: number;
}

/** File name of the store inside the config dir. */
export const RESUME_FILE = "resume.ini";

const SECTION_PREFIX = "download-";
// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f]/;

/** The client's config dir: `$FTPX_HOME`, else `$HOME/.config/ftpx`. */
export function configDir(): string {
  const explicit = Deno.env.get("FTPX_HOME");
  if (explicit) return explicit;
  const home = Deno.env.get("HOME");
  if (!home) throw new Error("Cannot find the config dir: set FTPX_HOME or HOME");
  return join(home, ".config", "ftpx");
}

/** The unfinished downloads recorded in one INI file. */
export class ResumeStore {
  readonly path: string;

  /** Uses the INI file at `path` (created on the first save). */
  constructor(path: string) {
    this.path = path;
  }

  /** The store in the default config dir. */
  static default(): ResumeStore {
    return new ResumeStore(join(configDir(), RESUME_FILE));
  }

  /** Unfinished downloads from `server` as `user`, oldest first. */
  async list(server: string, user: string): Promise<ResumeRecord[]> {
    const records = await this.#read();
    return [...records.values()]
      .filter((record) => record.server === server && record.user === user)
      .sort((a, b) => a.started - b.started);
  }

  /** The record of a download to `local` from `server` as `user`, if any. */
  async find(server: string, user: string, local: string): Promise<ResumeRecord | undefined> {
    return (await this.#read()).get(sectionOf(server, user, local));
  }

  /** Adds or replaces a record. Returns false when the paths can't be stored safely (not recorded). */
  async save(record: ResumeRecord): Promise<boolean> {
    if (CONTROL_CHARACTERS.test(record.local) || CONTROL_CHARACTERS.test(record.remote)) {
      return false;
    }
    await this.#update((records) => {
      records.set(sectionOf(record.server, record.user, record.local), record);
      return true;
    });
    return true;
  }

  /** Forgets a download (finished, or abandoned). */
  async remove(server: string, user: string, local: string): Promise<void> {
    await this.#update((records) => records.delete(sectionOf(server, user, local)));
  }

  /**
   * Read, change, write, holding the lock throughout: without it, two
   * clients reading the same version would each write back their own
   * change only, and one would be lost (a finished download left listed as
   * unfinished, or an unfinished one forgotten). `change` returns whether to
   * write.
   */
  async #update(change: (records: Map<string, ResumeRecord>) => boolean): Promise<void> {
    await Deno.mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    using lock = await Deno.open(`${this.path}.lock`, { write: true, create: true, mode: 0o600 });
    await lock.lock(true);
    const records = await this.#read();
    if (change(records)) await this.#write(records);
  }

  async #read(): Promise<Map<string, ResumeRecord>> {
    let text: string;
    try {
      text = await Deno.readTextFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return new Map();
      throw error;
    }
    const records = new Map<string, ResumeRecord>();
    for (const [section, fields] of Object.entries(parse(text))) {
      if (!section.startsWith(SECTION_PREFIX)) continue;
      const record = toRecord(fields);
      if (record) records.set(section, record);
    }
    return records;
  }

  async #write(records: Map<string, ResumeRecord>): Promise<void> {
    const text = "; Unfinished ftpx downloads, resumed by get/reget or connect --resume.\n" +
      stringify(Object.fromEntries(records));
    const temporary = `${this.path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    try {
      await Deno.writeTextFile(temporary, text, { mode: 0o600 });
      await Deno.rename(temporary, this.path);
    } catch (error) {
      await Deno.remove(temporary).catch(() => {});
      throw error;
    }
  }
}

function sectionOf(server: string, user: string, local: string): string {
  const id = createHash("sha256").update(`${server}\n${user}\n${local}`).digest("hex");
  return SECTION_PREFIX + id.slice(0, 16);
}

/** Validates one section: the INI parser guesses types, so every field is checked here. */
function toRecord(fields: unknown): ResumeRecord | null {
  if (typeof fields !== "object" || fields === null) return null;
  const raw = fields as Record<string, unknown>;
  const text = (key: string) => (raw[key] === undefined ? "" : String(raw[key]));
  const count = (key: string) => {
    const value = Number(text(key));
    return Number.isSafeInteger(value) && value >= 0 ? value : -1;
  };
  const record: ResumeRecord = {
    server: text("server"),
    user: text("user"),
    remote: text("remote"),
    local: text("local"),
    size: count("size"),
    mtime: count("mtime"),
    tag: text("tag"),
    started: count("started"),
  };
  const complete = record.server && record.user && record.remote.startsWith("/") &&
    record.local && record.tag && record.size >= 0 && record.mtime >= 0 && record.started >= 0;
  return complete ? record : null;
}
