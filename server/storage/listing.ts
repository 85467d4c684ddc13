/**
 * A directory's entries, sorted by name, held compactly: the names, and a
 * column each for the type, size and modification time, rather than an
 * object per entry (a 20,000-entry listing is about 1.4 MB this way, over
 * 4 MB as objects). Fronts hand it out in batches of entries and close it
 * once delivered: a large listing holds a share of the thread's listing
 * budget (`local/list_gate.ts`) until then.
 */

import type { Entry, EntryType } from "../../protocol/messages.ts";

const TYPES: readonly EntryType[] = ["file", "dir", "link", "other"];
const TYPE_CODES: Record<EntryType, number> = { file: 0, dir: 1, link: 2, other: 3 };

/** Entries per batch handed to a front: a few tens of KiB once encoded. */
export const LISTING_BATCH = 256;

/** The entries of one listed directory (or the one file a listing names). */
export class Listing implements Disposable {
  readonly #names: readonly string[];
  readonly #types: Uint8Array;
  readonly #sizes: Float64Array;
  readonly #mtimes: Float64Array;
  #release: (() => void) | undefined;

  /**
   * A listing of `names` (already sorted), described later by
   * {@linkcode Listing.describe}; `release` is called once, at close.
   */
  constructor(names: readonly string[], release?: () => void) {
    this.#names = names;
    this.#types = new Uint8Array(names.length);
    this.#sizes = new Float64Array(names.length);
    this.#mtimes = new Float64Array(names.length);
    this.#release = release;
  }

  /** A listing of entries already described (a file, a small directory). */
  static of(entries: readonly Entry[]): Listing {
    const listing = new Listing(entries.map((entry) => entry.name));
    entries.forEach((entry, index) => listing.describe(index, entry));
    return listing;
  }

  /** How many entries. */
  get length(): number {
    return this.#names.length;
  }

  /** The name of entry `index`. */
  name(index: number): string {
    return this.#names[index]!;
  }

  /** Records what entry `index` is (its name is the listing's). */
  describe(index: number, entry: Omit<Entry, "name">): void {
    this.#types[index] = TYPE_CODES[entry.type];
    this.#sizes[index] = entry.size;
    this.#mtimes[index] = entry.mtime;
  }

  /** Entry `index` as an object. */
  entry(index: number): Entry {
    return {
      name: this.#names[index]!,
      type: TYPES[this.#types[index]!]!,
      size: this.#sizes[index]!,
      mtime: this.#mtimes[index]!,
    };
  }

  /** The entries in order, `size` at a time: only one batch exists as objects at once. */
  *batches(size = LISTING_BATCH): Generator<Entry[]> {
    for (let start = 0; start < this.length; start += size) {
      const batch: Entry[] = [];
      for (let index = start; index < Math.min(start + size, this.length); index++) {
        batch.push(this.entry(index));
      }
      yield batch;
    }
  }

  /** The entries as a JSON array, in pieces of a batch each: joined, they are the array. */
  *json(): Generator<string> {
    yield "[";
    let separator = "";
    for (const batch of this.batches()) {
      yield separator + JSON.stringify(batch).slice(1, -1);
      separator = ",";
    }
    yield "]";
  }

  /** Every entry as an object: for small listings and internal walks. */
  toArray(): Entry[] {
    return Array.from({ length: this.length }, (_, index) => this.entry(index));
  }

  /** Gives back the listing's share of the budget; later calls do nothing. */
  close(): void {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}
