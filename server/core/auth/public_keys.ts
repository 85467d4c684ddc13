/**
 * Users' SSH public keys: reading an `authorized_keys`-style line, the key
 * types accepted, and OpenSSH's fingerprint. Signatures are checked by the
 * SFTP front, which has the SSH library; what is stored, listed and removed
 * is decided here, for every way of adding a key (`ftpx key`, the shell).
 */

import { Buffer } from "node:buffer";
import { createHash } from "node:crypto";
import { OperationError } from "../errors.ts";
import type { PublicKeyRecord, PublicKeyStore } from "../../store/mod.ts";

/** Key types accepted, with the curve an ECDSA key must name. */
const ACCEPTED: Record<string, string | null> = {
  "ssh-ed25519": null,
  "ecdsa-sha2-nistp256": "nistp256",
  "ecdsa-sha2-nistp384": "nistp384",
  "ecdsa-sha2-nistp521": "nistp521",
  "ssh-rsa": null,
};

/** Smallest RSA modulus accepted, in bits (OpenSSH refuses less than 1024; NIST retired 1024). */
export const MIN_RSA_BITS = 2048;

/** Longest key line read (an RSA 16384-bit key is about 2,800 characters). */
const MAX_KEY_LINE_CHARS = 8192;

/** Longest comment kept. */
const MAX_COMMENT_CHARS = 200;

/** A public key, read and checked. */
export interface PublicKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`... */
  type: string;
  /** The key in SSH wire format. */
  blob: Uint8Array;
  comment: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

/** OpenSSH's fingerprint of a public key blob: `SHA256:` and unpadded base64. */
export function fingerprintOf(blob: Uint8Array): string {
  return "SHA256:" + createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}

/**
 * Reads the first key of `text` (one `authorized_keys` line: `TYPE BASE64
 * [COMMENT]`; blank lines and `#` comments are skipped). Throws a
 * `bad_request` naming the problem: an unknown or refused type (DSA, RSA
 * under 2048 bits), or a blob that doesn't match its type.
 */
export function parsePublicKey(text: string): PublicKey {
  const line = text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== "" && !l.startsWith("#"));
  if (line === undefined) {
    throw bad('no key found: expected a line like "ssh-ed25519 AAAA... me@host"');
  }
  if (line.length > MAX_KEY_LINE_CHARS) throw bad("key line too long");
  const [type = "", encoded = "", ...rest] = line.split(/\s+/);
  if (!(type in ACCEPTED)) {
    if (/^(ssh-dss|ssh-dsa)$/.test(type)) throw bad("DSA keys are not accepted: use ed25519");
    if (type.includes("-cert-v01@")) throw bad("certificates are not accepted: give the plain key");
    if (/^sk-/.test(type)) {
      throw bad(`security-key types ("${type.slice(0, 40)}") are not supported`);
    }
    throw bad(
      `unknown key type "${
        type.slice(0, 40)
      }": use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa`,
    );
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw bad("the key's base64 part is malformed");
  const blob = new Uint8Array(Buffer.from(encoded, "base64"));
  const fields = readStrings(blob);
  if (fields === null || new TextDecoder().decode(fields[0]) !== type) {
    throw bad(`the key data does not hold a ${type} key`);
  }
  checkFields(type, fields);
  return {
    type,
    blob,
    comment: rest.join(" ").slice(0, MAX_COMMENT_CHARS),
    fingerprint: fingerprintOf(blob),
  };
}

function checkFields(type: string, fields: Uint8Array[]): void {
  if (type === "ssh-ed25519") {
    if (fields.length !== 2 || fields[1]!.length !== 32) throw bad("malformed ssh-ed25519 key");
    return;
  }
  if (type === "ssh-rsa") {
    if (fields.length !== 3) throw bad("malformed ssh-rsa key");
    const bits = mpintBits(fields[2]!);
    if (bits < MIN_RSA_BITS) {
      throw bad(`RSA key of ${bits} bits refused: at least ${MIN_RSA_BITS} (or use ed25519)`);
    }
    return;
  }
  const curve = ACCEPTED[type]!;
  if (fields.length !== 3 || new TextDecoder().decode(fields[1]) !== curve) {
    throw bad(`malformed ${type} key`);
  }
}

/** Bits of an SSH mpint (big-endian, maybe with a leading zero byte). */
function mpintBits(bytes: Uint8Array): number {
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return 0;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!));
}

/** Splits an SSH wire blob into its length-prefixed strings; null if it isn't exactly that. */
function readStrings(blob: Uint8Array): Uint8Array[] | null {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return null;
    const length = view.getUint32(offset);
    offset += 4;
    if (offset + length > blob.length) return null;
    out.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return out.length > 0 ? out : null;
}

function bad(reason: string): OperationError {
  return new OperationError("bad_request", `Cannot add the key: ${reason}`);
}

/** Keys one user may have. */
export const MAX_KEYS_PER_USER = 100;

/** A stored key as it is listed (`ftpx key list`, the shell's `key list`). */
export interface KeyInfo {
  fingerprint: string;
  type: string;
  comment: string;
  /** ISO 8601. */
  added: string;
}

/** What the key functions need: the accounts' key store and a lookup by name. */
export interface KeyOwners {
  get(name: string): Promise<{ id: number; name: string } | undefined>;
  stores: { publicKeys: PublicKeyStore };
}

/** Adds the key in `text` (an `authorized_keys` line) to `name`'s keys. */
export async function addKey(accounts: KeyOwners, name: string, text: string): Promise<KeyInfo> {
  const account = await owner(accounts, name);
  const key = parsePublicKey(text);
  const store = accounts.stores.publicKeys;
  if ((await store.list(account.id)).length >= MAX_KEYS_PER_USER) {
    throw new OperationError(
      "too_large",
      `Cannot add the key: "${name}" has ${MAX_KEYS_PER_USER} keys, the limit; remove some first`,
    );
  }
  const record = { userId: account.id, ...key, addedAt: Date.now() };
  try {
    await store.add(record);
  } catch (error) {
    if (error instanceof OperationError && error.kind === "exists") {
      throw new OperationError("exists", `"${name}" already has the key ${key.fingerprint}`);
    }
    throw error;
  }
  return infoOf(record);
}

/** `name`'s keys, oldest first. */
export async function listKeys(accounts: KeyOwners, name: string): Promise<KeyInfo[]> {
  const account = await owner(accounts, name);
  return (await accounts.stores.publicKeys.list(account.id)).map(infoOf);
}

/** Removes one of `name`'s keys by fingerprint (`SHA256:...`, the prefix optional). */
export async function removeKey(
  accounts: KeyOwners,
  name: string,
  fingerprint: string,
): Promise<void> {
  const account = await owner(accounts, name);
  const full = fingerprint.startsWith("SHA256:") ? fingerprint : `SHA256:${fingerprint}`;
  if (!await accounts.stores.publicKeys.remove(account.id, full)) {
    throw new OperationError("not_found", `"${name}" has no key ${full} (see key list)`);
  }
}

async function owner(accounts: KeyOwners, name: string): Promise<{ id: number; name: string }> {
  const account = await accounts.get(name);
  if (!account) throw new OperationError("not_found", `No user "${name}"`);
  return account;
}

function infoOf(record: PublicKeyRecord): KeyInfo {
  return {
    fingerprint: record.fingerprint,
    type: record.type,
    comment: record.comment,
    added: new Date(record.addedAt).toISOString(),
  };
}
