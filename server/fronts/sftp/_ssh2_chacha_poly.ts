/**
 * A faster chacha20-poly1305@openssh.com packet path for ssh2 (pinned
 * 1.17.0), installed over its own by {@linkcode useFasterChaChaPoly}.
 *
 * Without its optional native addon, ssh2 encrypts each packet with three
 * `createCipheriv` calls (the length, the Poly1305 key, the payload), each
 * building a `node:crypto` stream object, calls Poly1305 through
 * emscripten's `cwrap` (copying its arguments), and writes three buffers
 * to the socket. Here the length and the Poly1305 key are computed in
 * JavaScript (`_chacha20.ts`, as are payloads of up to 1 KiB), Poly1305 is
 * called directly on one buffer (`_poly1305.ts`), and each packet is one
 * write. The bytes on the wire are the same (`_ssh2_chacha_poly_test.ts`
 * checks them against ssh2's own code). Channels opened on such a
 * connection take packets as large as an SFTP packet.
 */

import { Buffer } from "node:buffer";
import { timingSafeEqual } from "node:crypto";
import sshCrypto from "ssh2/lib/protocol/crypto.js";
import Protocol from "ssh2/lib/protocol/Protocol.js";
import { SFTP_MAX_PACKET_BYTES } from "../../core/limits.ts";
import { ChaCha20Key } from "./_chacha20.ts";
import { Poly1305 } from "./_poly1305.ts";

/**
 * The most channel data one packet may carry, as advertised when a channel opens on a
 * connection using this packet path: a whole SFTP packet (ssh2 says 32 KiB, so an SFTP
 * WRITE of 255 KiB used to come in 8 SSH packets, each paying the per-packet costs).
 */
export const CHANNEL_MAX_PACKET_BYTES = SFTP_MAX_PACKET_BYTES;
/** The longest packet accepted: that channel data, its message header, padding and length. */
const MAX_PACKET_BYTES = CHANNEL_MAX_PACKET_BYTES + 1024;

/** The fields of ssh2's `ChaChaPolyCipherNative` the packet path uses. */
interface SshCipher {
  outSeqno: number;
  _onWrite(data: Uint8Array): void;
  _encKeyMain: Uint8Array;
  _encKeyPktLen: Uint8Array;
  _dead: boolean;
  encrypt(packet: Uint8Array): void;
}

/** The fields of ssh2's `ChaChaPolyDecipherNative`. */
interface SshDecipher {
  inSeqno: number;
  _onPayload(payload: Buffer): unknown;
  _decKeyMain: Uint8Array;
  _decKeyPktLen: Uint8Array;
  _len: number;
  _lenBuf: Buffer;
  _lenPos: number;
  _packet: Uint8Array | null;
  _pktLen: number;
  _mac: Buffer;
  _macPos: number;
  decrypt(data: Uint8Array, p: number, dataLen: number): unknown;
}

interface Keys {
  main: ChaCha20Key;
  length: ChaCha20Key;
}

const CIPHER_NAME = "chacha20-poly1305@openssh.com";
// deno-lint-ignore no-explicit-any
const lib = sshCrypto as any;
/** Set by {@linkcode useFasterChaChaPoly}: the patched methods run only once it is. */
let poly: Poly1305;
const keysOf = new WeakMap<object, Keys>();
const polyKey = new Uint8Array(32);
const lengthBytes = Buffer.alloc(4);

function keys(owner: object, main: Uint8Array, length: Uint8Array): Keys {
  let found = keysOf.get(owner);
  if (!found) {
    found = { main: new ChaCha20Key(main), length: new ChaCha20Key(length) };
    keysOf.set(owner, found);
  }
  return found;
}

/** Encrypts and authenticates one packet (length, padding length, payload, padding) and writes it. */
function encrypt(this: SshCipher, packet: Uint8Array): void {
  if (this._dead) return;
  const { main, length } = keys(this, this._encKeyMain, this._encKeyPktLen);
  const seqno = this.outSeqno;
  const size = packet.length;
  const message = poly.messageBuffer(size);
  length.xor(seqno, 0, packet.subarray(0, 4), message, 0);
  main.xor(seqno, 1, packet.subarray(4), message, 4);
  main.polyKey(seqno, polyKey);
  const tag = poly.tag(polyKey, size);
  const out = Buffer.allocUnsafe(size + 16);
  out.set(poly.messageBuffer(size), 0);
  out.set(tag, size);
  this._onWrite(out);
  this.outSeqno = (seqno + 1) >>> 0;
}

/** ssh2's `ChaChaPolyDecipherNative.decrypt`, step for step, with the primitives above. */
function decrypt(this: SshDecipher, data: Uint8Array, p: number, dataLen: number): unknown {
  const { main, length } = keys(this, this._decKeyMain, this._decKeyPktLen);
  while (p < dataLen) {
    if (this._lenPos < 4) {
      let nb = Math.min(4 - this._lenPos, dataLen - p);
      while (nb--) this._lenBuf[this._lenPos++] = data[p++]!;
      if (this._lenPos < 4) return;
      length.xor(this.inSeqno, 0, this._lenBuf, lengthBytes);
      this._len = lengthBytes.readUInt32BE(0);
      if (this._len > MAX_PACKET_BYTES || this._len < 8 || (this._len & 7) !== 0) {
        throw new Error("Bad packet length");
      }
    }
    if (this._pktLen < this._len) {
      if (p >= dataLen) return;
      const nb = Math.min(this._len - this._pktLen, dataLen - p);
      const encrypted = p !== 0 || nb !== dataLen
        ? new Uint8Array(data.buffer, data.byteOffset + p, nb)
        : data;
      if (nb === this._len) {
        this._packet = encrypted;
      } else {
        this._packet ??= Buffer.allocUnsafe(this._len);
        this._packet.set(encrypted, this._pktLen);
      }
      p += nb;
      this._pktLen += nb;
      if (this._pktLen < this._len || p >= dataLen) return;
    }
    {
      const nb = Math.min(16 - this._macPos, dataLen - p);
      this._mac.set(new Uint8Array(data.buffer, data.byteOffset + p, nb), this._macPos);
      p += nb;
      this._macPos += nb;
      if (this._macPos < 16) return;
    }
    const seqno = this.inSeqno;
    const packet = this._packet!;
    const message = poly.messageBuffer(4 + packet.length);
    message.set(this._lenBuf, 0);
    message.set(packet, 4);
    main.polyKey(seqno, polyKey);
    if (!timingSafeEqual(poly.tag(polyKey, 4 + packet.length), this._mac)) {
      throw new Error("Invalid MAC");
    }
    const plain = Buffer.allocUnsafe(packet.length);
    main.xor(seqno, 1, packet, plain);
    const payload = plain.subarray(1, plain.length - plain[0]!);

    this.inSeqno = (seqno + 1) >>> 0;
    this._len = 0;
    this._lenPos = 0;
    this._packet = null;
    this._pktLen = 0;
    this._macPos = 0;
    const ret = this._onPayload(payload);
    if (ret !== undefined) return ret === false ? p : ret;
  }
}

/** ssh2's cipher and decipher classes for chacha20-poly1305, found through its factories. */
function ssh2Classes(): { cipher: SshCipher; decipher: SshDecipher } {
  const info = lib.CIPHER_INFO[CIPHER_NAME];
  const key = Buffer.alloc(info.keyLen);
  const cipher = lib.createCipher({
    outbound: { onWrite: () => {}, cipherInfo: info, cipherKey: key, seqno: 0 },
  });
  const decipher = lib.createDecipher({
    inbound: { onPayload: () => {}, decipherInfo: info, decipherKey: key, seqno: 0 },
  });
  const expected = ["ChaChaPolyCipherNative", "ChaChaPolyDecipherNative"];
  const found = [cipher.constructor.name, decipher.constructor.name];
  if (found.join() !== expected.join()) {
    throw new Error(`ssh2's chacha20-poly1305 is ${found.join(", ")}, not ${expected.join(", ")}`);
  }
  return { cipher: Object.getPrototypeOf(cipher), decipher: Object.getPrototypeOf(decipher) };
}

let installed: Promise<void> | null = null;

/** ssh2's own methods, kept for the test that compares both. */
export const ORIGINAL = (() => {
  const { cipher, decipher } = ssh2Classes();
  return { encrypt: cipher.encrypt, decrypt: decipher.decrypt };
})();

/** Installs the packet path above in place of ssh2's (once per thread; later calls wait for it). */
export function useFasterChaChaPoly(): Promise<void> {
  installed ??= Poly1305.load().then((loaded) => {
    poly = loaded;
    const { cipher, decipher } = ssh2Classes();
    cipher.encrypt = encrypt;
    decipher.decrypt = decrypt;
    advertiseLargePackets();
  });
  return installed;
}

/** Channel confirmations on a connection whose packets come through `decrypt` offer larger packets. */
function advertiseLargePackets(): void {
  // deno-lint-ignore no-explicit-any
  const prototype = (Protocol as any).prototype;
  const confirm = prototype.channelOpenConfirm;
  prototype.channelOpenConfirm = function (
    this: { _decipher?: { decrypt?: unknown } },
    remote: number,
    local: number,
    window: number,
    maxPacket: number,
  ) {
    // A rekey to another cipher keeps ssh2's 35,000-byte limit: larger packets then end the connection.
    const large = this._decipher?.decrypt === decrypt;
    return confirm.call(this, remote, local, window, large ? CHANNEL_MAX_PACKET_BYTES : maxPacket);
  };
}
