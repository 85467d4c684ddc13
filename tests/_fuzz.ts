/**
 * Seeded randomness for the fuzz tests, so a failure can be replayed:
 * `FTPX_FUZZ_SEED` picks the seed (printed in every failure message),
 * `FTPX_FUZZ_ITERATIONS` how many cases to run (default: a CI-sized number).
 */

/** Iterations to run: `FTPX_FUZZ_ITERATIONS` if set, else `fallback`. */
export function fuzzIterations(fallback: number): number {
  const raw = Deno.env.get("FTPX_FUZZ_ITERATIONS");
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new RangeError(`FTPX_FUZZ_ITERATIONS must be a positive integer, not "${raw}"`);
  }
  return value;
}

/** The seed: `FTPX_FUZZ_SEED` if set, else a fresh one. */
export function fuzzSeed(): number {
  const raw = Deno.env.get("FTPX_FUZZ_SEED");
  return raw ? Number(raw) >>> 0 : crypto.getRandomValues(new Uint32Array(1))[0]!;
}

/** A small, fast, seeded generator (mulberry32) with the helpers fuzzers need. */
export class Random {
  readonly seed: number;
  #state: number;

  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.#state = this.seed;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }

  /** A string mixing ASCII, control characters, separators and non-ASCII text. */
  text(maxLength: number): string {
    const pieces = [
      "a",
      "Z",
      "0",
      "/",
      "..",
      ".",
      "~",
      "\\",
      "\0",
      "\n",
      "\r",
      " ",
      '"',
      "\u00e9",
      "\u2028",
      "\ud83d\ude00",
      "%2e",
      ".ftpx-part",
      "\x7f",
    ];
    let out = "";
    const length = this.int(maxLength + 1);
    while (out.length < length) out += this.pick(pieces);
    return out;
  }

  /** Any JSON value, nested up to `depth`. */
  json(depth = 2): unknown {
    switch (this.int(depth > 0 ? 10 : 8)) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.int(100);
      case 3:
        return this.pick([-1, 0.5, -0, 2 ** 53, 2 ** 63, 1e308, -1e308, Number.MAX_SAFE_INTEGER]);
      case 4:
      case 5:
        return this.text(40);
      case 6:
        return "x".repeat(this.pick([0, 255, 256, 4096, 4097, 10_000]));
      case 7:
        return "";
      case 8:
        return Array.from({ length: this.int(4) }, () => this.json(depth - 1));
      default:
        return Object.fromEntries(
          Array.from({ length: this.int(4) }, () => [this.text(8), this.json(depth - 1)]),
        );
    }
  }
}
