/**
 * The local storage backend: each home is a directory `<data>/home/<name>`
 * (mode 0700) served through the realpath jail ({@linkcode Vfs}); the homes
 * of deleted accounts are moved to `<data>/deleted/` unless purged.
 *
 * @module
 */

import { join } from "node:path";
import type { HomeLimits, HomeStorage, Storage, TreeSize } from "../mod.ts";
import { measureTree } from "./measure.ts";
import { Vfs } from "./vfs.ts";

export { Vfs } from "./vfs.ts";

const HOME_DIR = "home";
/** Homes of deleted accounts are moved here (unless purged), so a new account of the same name starts empty. */
const DELETED_DIR = "deleted";

/** The homes under one data dir. */
export class LocalStorage implements Storage {
  readonly #dataDir: string;

  /** Homes under `dataDir`. */
  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  /** Creates the homes directory itself (mode 0700) with any missing parents. */
  async prepare(): Promise<void> {
    await Deno.mkdir(join(this.#dataDir, HOME_DIR), { recursive: true, mode: 0o700 });
  }

  async createHome(name: string): Promise<void> {
    await Deno.mkdir(this.#homeOf(name), { recursive: true, mode: 0o700 });
  }

  async openHome(name: string, limits: HomeLimits = {}): Promise<HomeStorage> {
    await this.createHome(name);
    return await Vfs.open(this.#homeOf(name), limits);
  }

  async moveHomeAside(name: string): Promise<string | null> {
    const deletedDir = join(this.#dataDir, DELETED_DIR);
    await Deno.mkdir(deletedDir, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
    for (let attempt = 1; attempt < 100; attempt++) {
      const target = join(deletedDir, `${name}-${stamp}${attempt > 1 ? `-${attempt}` : ""}`);
      try {
        await Deno.lstat(target);
        continue;
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      try {
        await Deno.rename(this.#homeOf(name), target);
        return target;
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return null;
        throw error;
      }
    }
    throw new Error(`Cannot find a free name for the home of "${name}" under ${deletedDir}`);
  }

  async restoreHome(name: string, aside: string): Promise<void> {
    await Deno.rename(aside, this.#homeOf(name));
  }

  async purge(aside: string): Promise<void> {
    await Deno.remove(aside, { recursive: true });
  }

  measureHome(name: string): Promise<TreeSize> {
    return measureTree(this.#homeOf(name));
  }

  describeHome(name: string): string {
    return this.#homeOf(name);
  }

  #homeOf(name: string): string {
    return join(this.#dataDir, HOME_DIR, name);
  }
}
