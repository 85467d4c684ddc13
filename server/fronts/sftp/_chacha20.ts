/**
 * ChaCha20 as OpenSSH's chacha20-poly1305 uses it (64-bit block counter,
 * 64-bit nonce: the packet sequence number), for the SSH transport.
 *
 * Small inputs (a packet length, a Poly1305 key, a request of a few dozen
 * bytes) are done here in JavaScript: `node:crypto`'s `createCipheriv`
 * builds a stream object per call, which under Deno costs more than
 * encrypting a few blocks. Large inputs go to `node:crypto` (native code).
 */

import { Buffer } from "node:buffer";
import { createCipheriv } from "node:crypto";

/** At or below this many bytes, the JavaScript rounds beat building a native cipher. */
const NATIVE_FROM_BYTES = 1024;

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

/** A ChaCha20 key, its words ready for the block function. */
export class ChaCha20Key {
  readonly #key: Buffer;
  readonly #words = new Uint32Array(8);
  readonly #state = new Uint32Array(16);
  readonly #block = new Uint32Array(16);
  readonly #blockBytes = new Uint8Array(this.#block.buffer);
  readonly #iv = Buffer.alloc(16);

  /** `key`: 32 bytes. */
  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError(`ChaCha20 key of ${key.length} bytes, not 32`);
    this.#key = Buffer.from(key);
    const view = new DataView(key.buffer, key.byteOffset, 32);
    for (let i = 0; i < 8; i++) this.#words[i] = view.getUint32(i * 4, true);
  }

  /**
   * XORs `input` with the key stream for packet `seqno` from block `counter` on, into
   * `output` at `offset` (which may be `input` itself, for in place).
   */
  xor(
    seqno: number,
    counter: number,
    input: Uint8Array,
    output: Uint8Array,
    offset = 0,
  ): void {
    if (input.length > NATIVE_FROM_BYTES) {
      output.set(this.#native(seqno, counter).update(input), offset);
      return;
    }
    for (let done = 0; done < input.length; done += 64, counter++) {
      this.#computeBlock(seqno, counter);
      const end = Math.min(64, input.length - done);
      for (let i = 0; i < end; i++) {
        output[offset + done + i] = input[done + i]! ^ this.#blockBytes[i]!;
      }
    }
  }

  /** The first 32 bytes of block 0 for packet `seqno`: the packet's Poly1305 key. */
  polyKey(seqno: number, into: Uint8Array): void {
    this.#computeBlock(seqno, 0);
    into.set(this.#blockBytes.subarray(0, 32));
  }

  #native(seqno: number, counter: number) {
    const iv = this.#iv;
    iv.writeUInt32LE(counter, 0);
    iv.writeUInt32LE(0, 4);
    iv.writeUInt32BE(0, 8);
    iv.writeUInt32BE(seqno, 12);
    return createCipheriv("chacha20", this.#key, iv);
  }

  /** One 64-byte key stream block into `#block` (little-endian words, as the bytes are on x86/ARM). */
  #computeBlock(seqno: number, counter: number): void {
    const s = this.#state;
    s[0] = SIGMA[0]!;
    s[1] = SIGMA[1]!;
    s[2] = SIGMA[2]!;
    s[3] = SIGMA[3]!;
    s.set(this.#words, 4);
    s[12] = counter;
    s[13] = 0;
    s[14] = 0;
    // The nonce is the sequence number as a big-endian 64-bit value; words are little-endian.
    s[15] = ((seqno & 0xff) << 24) | ((seqno & 0xff00) << 8) | ((seqno >>> 8) & 0xff00) |
      (seqno >>> 24);
    let x0 = s[0]!, x1 = s[1]!, x2 = s[2]!, x3 = s[3]!, x4 = s[4]!, x5 = s[5]!, x6 = s[6]!;
    let x7 = s[7]!, x8 = s[8]!, x9 = s[9]!, x10 = s[10]!, x11 = s[11]!, x12 = s[12]!;
    let x13 = s[13]!, x14 = s[14]!, x15 = s[15]!;
    for (let round = 0; round < 20; round += 2) {
      x0 = (x0 + x4) | 0, x12 ^= x0, x12 = (x12 << 16) | (x12 >>> 16);
      x8 = (x8 + x12) | 0, x4 ^= x8, x4 = (x4 << 12) | (x4 >>> 20);
      x0 = (x0 + x4) | 0, x12 ^= x0, x12 = (x12 << 8) | (x12 >>> 24);
      x8 = (x8 + x12) | 0, x4 ^= x8, x4 = (x4 << 7) | (x4 >>> 25);
      x1 = (x1 + x5) | 0, x13 ^= x1, x13 = (x13 << 16) | (x13 >>> 16);
      x9 = (x9 + x13) | 0, x5 ^= x9, x5 = (x5 << 12) | (x5 >>> 20);
      x1 = (x1 + x5) | 0, x13 ^= x1, x13 = (x13 << 8) | (x13 >>> 24);
      x9 = (x9 + x13) | 0, x5 ^= x9, x5 = (x5 << 7) | (x5 >>> 25);
      x2 = (x2 + x6) | 0, x14 ^= x2, x14 = (x14 << 16) | (x14 >>> 16);
      x10 = (x10 + x14) | 0, x6 ^= x10, x6 = (x6 << 12) | (x6 >>> 20);
      x2 = (x2 + x6) | 0, x14 ^= x2, x14 = (x14 << 8) | (x14 >>> 24);
      x10 = (x10 + x14) | 0, x6 ^= x10, x6 = (x6 << 7) | (x6 >>> 25);
      x3 = (x3 + x7) | 0, x15 ^= x3, x15 = (x15 << 16) | (x15 >>> 16);
      x11 = (x11 + x15) | 0, x7 ^= x11, x7 = (x7 << 12) | (x7 >>> 20);
      x3 = (x3 + x7) | 0, x15 ^= x3, x15 = (x15 << 8) | (x15 >>> 24);
      x11 = (x11 + x15) | 0, x7 ^= x11, x7 = (x7 << 7) | (x7 >>> 25);
      x0 = (x0 + x5) | 0, x15 ^= x0, x15 = (x15 << 16) | (x15 >>> 16);
      x10 = (x10 + x15) | 0, x5 ^= x10, x5 = (x5 << 12) | (x5 >>> 20);
      x0 = (x0 + x5) | 0, x15 ^= x0, x15 = (x15 << 8) | (x15 >>> 24);
      x10 = (x10 + x15) | 0, x5 ^= x10, x5 = (x5 << 7) | (x5 >>> 25);
      x1 = (x1 + x6) | 0, x12 ^= x1, x12 = (x12 << 16) | (x12 >>> 16);
      x11 = (x11 + x12) | 0, x6 ^= x11, x6 = (x6 << 12) | (x6 >>> 20);
      x1 = (x1 + x6) | 0, x12 ^= x1, x12 = (x12 << 8) | (x12 >>> 24);
      x11 = (x11 + x12) | 0, x6 ^= x11, x6 = (x6 << 7) | (x6 >>> 25);
      x2 = (x2 + x7) | 0, x13 ^= x2, x13 = (x13 << 16) | (x13 >>> 16);
      x8 = (x8 + x13) | 0, x7 ^= x8, x7 = (x7 << 12) | (x7 >>> 20);
      x2 = (x2 + x7) | 0, x13 ^= x2, x13 = (x13 << 8) | (x13 >>> 24);
      x8 = (x8 + x13) | 0, x7 ^= x8, x7 = (x7 << 7) | (x7 >>> 25);
      x3 = (x3 + x4) | 0, x14 ^= x3, x14 = (x14 << 16) | (x14 >>> 16);
      x9 = (x9 + x14) | 0, x4 ^= x9, x4 = (x4 << 12) | (x4 >>> 20);
      x3 = (x3 + x4) | 0, x14 ^= x3, x14 = (x14 << 8) | (x14 >>> 24);
      x9 = (x9 + x14) | 0, x4 ^= x9, x4 = (x4 << 7) | (x4 >>> 25);
    }
    const b = this.#block;
    b[0] = x0 + s[0]!, b[1] = x1 + s[1]!, b[2] = x2 + s[2]!, b[3] = x3 + s[3]!;
    b[4] = x4 + s[4]!, b[5] = x5 + s[5]!, b[6] = x6 + s[6]!, b[7] = x7 + s[7]!;
    b[8] = x8 + s[8]!, b[9] = x9 + s[9]!, b[10] = x10 + s[10]!, b[11] = x11 + s[11]!;
    b[12] = x12 + s[12]!, b[13] = x13 + s[13]!, b[14] = x14 + s[14]!, b[15] = x15 + s[15]!;
  }
}
