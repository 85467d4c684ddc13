/**
 * Password hashing with scrypt: a random salt per password, the cost
 * parameters stored beside the hash so they can be raised later, and a
 * constant-time comparison. Hashing runs off the event loop: on Deno's
 * blocking-thread pool by default; server threads send it to the main
 * thread ({@linkcode useScryptBackend}, `scrypt_channel.ts`).
 */

import { MAX_CONCURRENT_HASHES, MAX_VERIFIED_LOGINS } from "../limits.ts";
import { Buffer } from "node:buffer";
import { createHmac, randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { MAX_PASSWORD_BYTES } from "../../../protocol/limits.ts";

/** scrypt cost: N=2^14, r=8, p=1 (16 MiB, tens of milliseconds), the scrypt paper's choice for logins. */
const PARAMS = { N: 2 ** 14, r: 8, p: 1 };
/** Largest cost accepted from a stored hash, so a corrupt record can't demand gigabytes. */
const MAX_N = 2 ** 20;
const SALT_BYTES = 16;
const KEY_BYTES = 32;

const encoder = new TextEncoder();

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** scrypt's cost parameters and memory cap, as node:crypto takes them. */
export interface ScryptOptions extends ScryptParams {
  maxmem: number;
}

/** Something that derives scrypt keys off the calling thread's event loop. */
export type ScryptBackend = (
  secret: Uint8Array,
  salt: Uint8Array,
  length: number,
  options: ScryptOptions,
) => Promise<Uint8Array>;

/** node:crypto's asynchronous scrypt, on Deno's pool of blocking threads. */
const poolScrypt: ScryptBackend = (secret, salt, length, options) =>
  new Promise((resolve, reject) => {
    scrypt(secret, salt, length, options, (error, key) => {
      if (error) reject(error);
      else resolve(key);
    });
  });

let backend: ScryptBackend = poolScrypt;

/** Makes this thread derive keys with `next` from now on. */
export function useScryptBackend(next: ScryptBackend): void {
  backend = next;
}

/** Hashes a password into the stored form `scrypt$N$r$p$salt$key` (base64). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS, KEY_BYTES);
  return ["scrypt", PARAMS.N, PARAMS.r, PARAMS.p, salt.toString("base64"), key.toString("base64")]
    .join("$");
}

/**
 * Checks a password against a stored hash in constant time; a malformed hash
 * never matches. A pair found correct within the verification cache's time
 * (see {@linkcode useVerificationCache}) is accepted without hashing again.
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  if (parsed === null) return false;
  if (verified?.has(stored, password)) return true;
  const key = await derive(password, parsed.salt, parsed.params, parsed.key.length);
  const matches = timingSafeEqual(key, parsed.key);
  if (matches) verified?.add(stored, password);
  return matches;
}

/**
 * Correct (stored hash, password) pairs seen lately, so that a reconnect
 * costs no scrypt. Kept in memory only, as HMAC digests under a random key
 * of this thread; only successes are added, so failures still pay the full
 * hash (and the login guard's delays). A new password means a new stored
 * hash (a new salt), which no entry matches. The price: while an entry
 * lives, someone who could read this process's memory could test guesses
 * at HMAC speed instead of scrypt speed; hence the short life.
 */
class VerifiedLogins {
  readonly #key = randomBytes(32);
  readonly #ttlMs: number;
  /** Digest -> expiry; a Map keeps insertion order, so the oldest is first. */
  readonly #entries = new Map<string, number>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  has(stored: string, password: string): boolean {
    const digest = this.#digest(stored, password);
    const expires = this.#entries.get(digest);
    if (expires === undefined) return false;
    if (expires > performance.now()) return true;
    this.#entries.delete(digest);
    return false;
  }

  add(stored: string, password: string): void {
    const digest = this.#digest(stored, password);
    this.#entries.delete(digest);
    this.#entries.set(digest, performance.now() + this.#ttlMs);
    while (this.#entries.size > MAX_VERIFIED_LOGINS) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
  }

  #digest(stored: string, password: string): string {
    return createHmac("sha256", this.#key).update(stored).update("\0").update(password)
      .digest("base64");
  }
}

let verified: VerifiedLogins | null = null;

/** Remembers correct passwords for `seconds` on this thread (0: never; the default). */
export function useVerificationCache(seconds: number): void {
  verified = seconds > 0 ? new VerifiedLogins(seconds * 1000) : null;
}

let dummyHash: Promise<string> | undefined;

/** A valid hash of a random password, to spend the same time on unknown users as on known ones. */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(crypto.randomUUID());
  return dummyHash;
}

function parseStoredHash(
  stored: string,
): { params: ScryptParams; salt: Uint8Array; key: Uint8Array } | null {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || N > MAX_N || r * p > 64) {
    return null;
  }
  const salt = Buffer.from(parts[4]!, "base64");
  const key = Buffer.from(parts[5]!, "base64");
  if (salt.length === 0 || key.length === 0) return null;
  return { params: { N, r, p }, salt, key };
}

let running = 0;
const waiting: (() => void)[] = [];

async function derive(
  password: string,
  salt: Uint8Array,
  params: ScryptParams,
  length: number,
): Promise<Buffer> {
  const secret = encoder.encode(password);
  if (secret.length > MAX_PASSWORD_BYTES) {
    throw new RangeError(`Password longer than ${MAX_PASSWORD_BYTES} bytes`);
  }
  while (running >= MAX_CONCURRENT_HASHES) {
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  running++;
  try {
    const maxmem = 256 * params.N * params.r + 1024 * 1024;
    const key = await backend(secret, salt, length, { ...params, maxmem });
    return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  } finally {
    running--;
    waiting.shift()?.();
  }
}
