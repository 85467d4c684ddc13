/**
 * Splits the SFTP channel's byte stream into packets. Each packet's 4-byte
 * length is checked against {@linkcode SFTP_MAX_PACKET_BYTES} before any
 * room is made for it, so a hostile length prefix costs nothing; a packet
 * arriving in many chunks is gathered into one buffer of exactly its size.
 */

import { SFTP_MAX_PACKET_BYTES } from "../../core/limits.ts";

/** A length prefix over the cap (or zero): the stream can't be trusted further. */
export class PacketLengthError extends Error {
  /** Creates the error for a prefix of `length` bytes, when at most `max` are allowed. */
  constructor(length: number, max: number) {
    super(
      length === 0
        ? "SFTP packet of length 0"
        : `SFTP packet of ${length} bytes, over the ${max}-byte limit`,
    );
    this.name = "PacketLengthError";
  }
}

/** Feeds chunks in, takes whole packets (without their length prefix) out. */
export class PacketReader {
  readonly #max: number;
  /** Bytes of a length prefix seen so far (a prefix may be split across chunks). */
  #header = new Uint8Array(4);
  #headerFilled = 0;
  /** The packet being gathered, allocated once its length passed the check. */
  #packet: Uint8Array | null = null;
  #packetFilled = 0;

  /** Packets may be at most `max` bytes long. */
  constructor(max: number = SFTP_MAX_PACKET_BYTES) {
    this.#max = max;
  }

  /** True when no partial packet is held (the stream may end here cleanly). */
  get idle(): boolean {
    return this.#headerFilled === 0 && this.#packet === null;
  }

  /** Consumes `chunk`; returns the packets it completed. Throws {@linkcode PacketLengthError}. */
  push(chunk: Uint8Array): Uint8Array[] {
    const packets: Uint8Array[] = [];
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#packet === null) {
        const take = Math.min(4 - this.#headerFilled, chunk.length - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFilled);
        this.#headerFilled += take;
        offset += take;
        if (this.#headerFilled < 4) break;
        const length = new DataView(this.#header.buffer).getUint32(0);
        if (length === 0 || length > this.#max) throw new PacketLengthError(length, this.#max);
        this.#headerFilled = 0;
        // A packet wholly inside this chunk is a view of it: no copy.
        if (chunk.length - offset >= length) {
          packets.push(chunk.subarray(offset, offset + length));
          offset += length;
          continue;
        }
        this.#packet = new Uint8Array(length);
        this.#packetFilled = 0;
      }
      const take = Math.min(this.#packet.length - this.#packetFilled, chunk.length - offset);
      this.#packet.set(chunk.subarray(offset, offset + take), this.#packetFilled);
      this.#packetFilled += take;
      offset += take;
      if (this.#packetFilled === this.#packet.length) {
        packets.push(this.#packet);
        this.#packet = null;
      }
    }
    return packets;
  }
}
