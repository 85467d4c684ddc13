/**
 * Poly1305 over one contiguous message, with the WebAssembly build ssh2
 * ships (`lib/protocol/crypto/poly1305.js`, poly1305-donna), called
 * directly: ssh2's own `cwrap` call copies each argument onto the wasm
 * stack, twice per packet.
 */

import createPoly1305 from "ssh2/lib/protocol/crypto/poly1305.js";

interface PolyModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  _free(pointer: number): void;
  // deno-lint-ignore camelcase -- the C function's name, as emscripten exports it
  _poly1305_auth(
    out: number,
    message: number,
    length: number,
    more: number,
    moreLength: number,
    key: number,
  ): void;
}

/** A Poly1305 authenticator with a message buffer of its own in wasm memory. */
export class Poly1305 {
  readonly #module: PolyModule;
  /** [32-byte key][16-byte tag][message]. */
  #pointer: number;
  #capacity: number;

  private constructor(module: PolyModule, capacity: number) {
    this.#module = module;
    this.#capacity = capacity;
    this.#pointer = module._malloc(48 + capacity);
  }

  /** Loads the wasm module (one instance per caller: a thread makes one). */
  static async load(capacity = 64 * 1024): Promise<Poly1305> {
    const module = await (createPoly1305 as unknown as () => Promise<PolyModule>)();
    return new Poly1305(module, capacity);
  }

  /**
   * Where to write a message of `length` bytes before {@linkcode Poly1305.tag}: a view of
   * wasm memory, valid until the next call.
   */
  messageBuffer(length: number): Uint8Array {
    if (length > this.#capacity) {
      this.#module._free(this.#pointer);
      this.#capacity = Math.max(length, this.#capacity * 2);
      this.#pointer = this.#module._malloc(48 + this.#capacity);
    }
    return this.#module.HEAPU8.subarray(this.#pointer + 48, this.#pointer + 48 + length);
  }

  /** The tag of the `length` bytes in the message buffer under the 32-byte `key`: a view, 16 bytes. */
  tag(key: Uint8Array, length: number): Uint8Array {
    const heap = this.#module.HEAPU8;
    const pointer = this.#pointer;
    heap.set(key.subarray(0, 32), pointer);
    this.#module._poly1305_auth(
      pointer + 32,
      pointer + 48,
      length,
      pointer + 48 + length,
      0,
      pointer,
    );
    return this.#module.HEAPU8.subarray(pointer + 32, pointer + 48);
  }
}
