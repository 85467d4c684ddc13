/**
 * Byte sizes as people write them: `500M`, `2G`, `10MiB`, `1.5T`, `4096`.
 * Powers of 1024 throughout, so `10M` is 10 MiB.
 *
 * @module
 */

const UNITS: Record<string, number> = {
  "": 1,
  b: 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
};

const SIZE_PATTERN = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i;

/**
 * Parses a human size into bytes.
 *
 * @param text A number with an optional unit: `K`, `M`, `G`, `T`, `P`, also `KB`, `KiB`...
 * @returns The size in whole bytes.
 * @throws {RangeError} If the text is not a size, or is larger than 2^53-1 bytes.
 *
 * @example Usage
 * ```ts
 * import { parseSize } from "./size.ts";
 * if (parseSize("10M") !== 10 * 1024 * 1024) throw new Error("wrong");
 * if (parseSize("2GiB") !== 2 * 1024 ** 3) throw new Error("wrong");
 * if (parseSize("4096") !== 4096) throw new Error("wrong");
 * ```
 */
export function parseSize(text: string): number {
  const match = SIZE_PATTERN.exec(text.trim());
  if (!match) {
    throw new RangeError(
      `Invalid size "${text}": expected a number with an optional unit K, M, G or T (e.g. 500M)`,
    );
  }
  const bytes = Math.floor(Number(match[1]) * UNITS[match[2]!.toLowerCase()]!);
  if (!Number.isSafeInteger(bytes)) throw new RangeError(`Invalid size "${text}": too large`);
  return bytes;
}

/**
 * Formats bytes for people, in powers of 1024 with one decimal below 10.
 *
 * @param bytes A byte count.
 * @returns Text such as `512`, `1.5K`, `20M`.
 *
 * @example Usage
 * ```ts
 * import { formatSize } from "./size.ts";
 * if (formatSize(1536) !== "1.5K") throw new Error(formatSize(1536));
 * if (formatSize(500) !== "500") throw new Error(formatSize(500));
 * ```
 */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return String(bytes);
  const units = ["K", "M", "G", "T", "P"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value < 10 ? 1 : 0;
  return `${Number(value.toFixed(digits))}${units[unit]}`;
}
