/**
 * The SSH host key: made (ed25519, OpenSSH format) and described here; the
 * file it lives in is read and written by `boot/`, which owns the server's
 * own files.
 */

import { Buffer } from "node:buffer";
import { fingerprintOf } from "../../core/auth/public_keys.ts";
import { generateEd25519, parseKey } from "./_ssh2.ts";

/** A usable host key: its private text, public line and fingerprint. */
export interface HostKey {
  /** OpenSSH private key text (what ssh2 signs with). */
  privateKey: string;
  /** `ssh-ed25519 AAAA... comment`, for a `.pub` file and known_hosts. */
  publicLine: string;
  /** `SHA256:...` as `ssh-keygen -lf` and a connecting `ssh` print it. */
  fingerprint: string;
  /** `ED25519`, as OpenSSH names the key type beside a fingerprint. */
  kind: string;
}

/** A fresh ed25519 host key. */
export function generateHostKey(comment: string): HostKey {
  return describeHostKey(generateEd25519(comment).private);
}

/** Checks a private key's text and describes it; throws a message for the operator if it is not one. */
export function describeHostKey(privateKey: string): HostKey {
  const key = parseKey(privateKey);
  if (key instanceof Error) throw new Error(`not an SSH private key (${key.message})`);
  if (key.type !== "ssh-ed25519") {
    throw new Error(`the key is ${key.type}; ftpx serves SFTP with an ed25519 host key`);
  }
  const blob = key.getPublicSSH();
  const encoded = Buffer.from(blob).toString("base64");
  return {
    privateKey,
    publicLine: `${key.type} ${encoded}${key.comment ? ` ${key.comment}` : ""}`,
    fingerprint: fingerprintOf(blob),
    kind: "ED25519",
  };
}
