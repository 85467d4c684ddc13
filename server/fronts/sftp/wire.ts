/**
 * SFTP v3's wire format (draft-ietf-secsh-filexfer-02, as OpenSSH speaks it):
 * packet types, open flags, file attributes, and a reader and writer for the
 * big-endian integers and length-prefixed strings packets are made of.
 */

/** Packet types. */
export const FXP = {
  INIT: 1,
  VERSION: 2,
  OPEN: 3,
  CLOSE: 4,
  READ: 5,
  WRITE: 6,
  LSTAT: 7,
  FSTAT: 8,
  SETSTAT: 9,
  FSETSTAT: 10,
  OPENDIR: 11,
  READDIR: 12,
  REMOVE: 13,
  MKDIR: 14,
  RMDIR: 15,
  REALPATH: 16,
  STAT: 17,
  RENAME: 18,
  READLINK: 19,
  SYMLINK: 20,
  STATUS: 101,
  HANDLE: 102,
  DATA: 103,
  NAME: 104,
  ATTRS: 105,
  EXTENDED: 200,
  EXTENDED_REPLY: 201,
} as const;

/** OPEN's pflags. */
export const OPEN_FLAGS = {
  READ: 0x01,
  WRITE: 0x02,
  APPEND: 0x04,
  CREAT: 0x08,
  TRUNC: 0x10,
  EXCL: 0x20,
} as const;

/** Which fields an ATTRS holds. */
export const ATTR = {
  SIZE: 0x01,
  UIDGID: 0x02,
  PERMISSIONS: 0x04,
  ACMODTIME: 0x08,
  EXTENDED: 0x80000000,
} as const;

/** File attributes; every field optional, as on the wire. */
export interface Attrs {
  size?: number;
  uid?: number;
  gid?: number;
  /** Mode bits with the file type (`0o100644`, `0o040755`). */
  permissions?: number;
  /** Seconds since the epoch. */
  atime?: number;
  mtime?: number;
}

/** A packet that doesn't parse: the session answers BAD_MESSAGE. */
export class BadMessageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "BadMessageError";
  }
}

const decoder = new TextDecoder("utf-8", { fatal: true });
const encoder = new TextEncoder();

/** Reads one packet's fields in order; running past its end is a {@linkcode BadMessageError}. */
export class PayloadReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #offset = 0;

  /** Reads `bytes` (one packet without its length prefix). */
  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  byte(): number {
    this.#need(1);
    return this.#bytes[this.#offset++]!;
  }

  uint32(): number {
    this.#need(4);
    const value = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return value;
  }

  /** A uint64 as a number; past 2^53 is refused (no file is that large). */
  uint64(): number {
    this.#need(8);
    const value = this.#view.getBigUint64(this.#offset);
    this.#offset += 8;
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new BadMessageError("offset out of range");
    return Number(value);
  }

  /** A length-prefixed string's bytes (a view into the packet). */
  bytes(): Uint8Array {
    const length = this.uint32();
    this.#need(length);
    const out = this.#bytes.subarray(this.#offset, this.#offset + length);
    this.#offset += length;
    return out;
  }

  /** A length-prefixed UTF-8 string; invalid UTF-8 is a bad message. */
  string(): string {
    try {
      return decoder.decode(this.bytes());
    } catch (error) {
      if (error instanceof BadMessageError) throw error;
      throw new BadMessageError("string is not UTF-8");
    }
  }

  /** An ATTRS structure. */
  attrs(): Attrs {
    const flags = this.uint32();
    const attrs: Attrs = {};
    if (flags & ATTR.SIZE) attrs.size = this.uint64();
    if (flags & ATTR.UIDGID) {
      attrs.uid = this.uint32();
      attrs.gid = this.uint32();
    }
    if (flags & ATTR.PERMISSIONS) attrs.permissions = this.uint32();
    if (flags & ATTR.ACMODTIME) {
      attrs.atime = this.uint32();
      attrs.mtime = this.uint32();
    }
    if (flags & ATTR.EXTENDED) {
      const count = this.uint32();
      for (let i = 0; i < count; i++) {
        this.bytes();
        this.bytes();
      }
    }
    return attrs;
  }

  #need(count: number): void {
    if (this.#offset + count > this.#bytes.length) {
      throw new BadMessageError("packet ends before its fields");
    }
  }
}

/** Builds one packet: its fields, then {@linkcode PacketWriter.finish} adds the length prefix. */
export class PacketWriter {
  #buffer: Uint8Array;
  #view: DataView;
  #length = 4;

  /** Starts a packet of `type`, with room for `capacity` bytes (it grows if needed). */
  constructor(type: number, capacity = 64) {
    this.#buffer = new Uint8Array(Math.max(capacity + 5, 16));
    this.#view = new DataView(this.#buffer.buffer);
    this.byte(type);
  }

  byte(value: number): this {
    this.#room(1);
    this.#buffer[this.#length++] = value;
    return this;
  }

  uint32(value: number): this {
    this.#room(4);
    this.#view.setUint32(this.#length, value >>> 0);
    this.#length += 4;
    return this;
  }

  uint64(value: number): this {
    this.#room(8);
    this.#view.setBigUint64(this.#length, BigInt(Math.max(0, Math.floor(value))));
    this.#length += 8;
    return this;
  }

  bytes(value: Uint8Array): this {
    this.uint32(value.length);
    this.#room(value.length);
    this.#buffer.set(value, this.#length);
    this.#length += value.length;
    return this;
  }

  string(value: string): this {
    return this.bytes(encoder.encode(value));
  }

  attrs(attrs: Attrs): this {
    let flags = 0;
    if (attrs.size !== undefined) flags |= ATTR.SIZE;
    if (attrs.uid !== undefined && attrs.gid !== undefined) flags |= ATTR.UIDGID;
    if (attrs.permissions !== undefined) flags |= ATTR.PERMISSIONS;
    if (attrs.atime !== undefined && attrs.mtime !== undefined) flags |= ATTR.ACMODTIME;
    this.uint32(flags);
    if (attrs.size !== undefined) this.uint64(attrs.size);
    if (flags & ATTR.UIDGID) this.uint32(attrs.uid!).uint32(attrs.gid!);
    if (attrs.permissions !== undefined) this.uint32(attrs.permissions);
    if (flags & ATTR.ACMODTIME) this.uint32(attrs.atime!).uint32(attrs.mtime!);
    return this;
  }

  /** The packet with its length prefix. */
  finish(): Uint8Array {
    this.#view.setUint32(0, this.#length - 4);
    return this.#buffer.subarray(0, this.#length);
  }

  #room(count: number): void {
    if (this.#length + count <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + count));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}

/** A STATUS reply. */
export function statusPacket(id: number, code: number, message: string): Uint8Array {
  return new PacketWriter(FXP.STATUS, 16 + message.length * 3)
    .uint32(id)
    .uint32(code)
    .string(message)
    .string("en")
    .finish();
}

/** Bytes before a DATA packet's payload: length, type, id, data length. */
const DATA_HEADER_BYTES = 13;

/**
 * A DATA reply whose payload is read straight into the packet (no copy):
 * fill `body`, then `finish(count)` with the bytes filled.
 */
export function dataPacket(
  id: number,
  capacity: number,
): { body: Uint8Array; finish(count: number): Uint8Array } {
  const packet = new Uint8Array(DATA_HEADER_BYTES + capacity);
  const view = new DataView(packet.buffer);
  return {
    body: packet.subarray(DATA_HEADER_BYTES),
    finish(count) {
      view.setUint32(0, DATA_HEADER_BYTES - 4 + count);
      packet[4] = FXP.DATA;
      view.setUint32(5, id);
      view.setUint32(9, count);
      return packet.subarray(0, DATA_HEADER_BYTES + count);
    },
  };
}
