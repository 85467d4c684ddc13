import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { randomBytes } from "node:crypto";
import sshCrypto from "ssh2/lib/protocol/crypto.js";
import { CHANNEL_MAX_PACKET_BYTES, ORIGINAL, useFasterChaChaPoly } from "./_ssh2_chacha_poly.ts";

// deno-lint-ignore no-explicit-any
const lib = sshCrypto as any;
await lib.init;
await useFasterChaChaPoly();
const INFO = lib.CIPHER_INFO["chacha20-poly1305@openssh.com"];
/** Payload sizes around the JavaScript / native switch and SSH's usual packet sizes. */
const SIZES = [0, 1, 5, 27, 59, 60, 64, 100, 1000, 1013, 1024, 1100, 32_768, 34_000];

function cipherPair(key: Buffer, seqno: number) {
  const written: Uint8Array[] = [];
  const cipher = lib.createCipher({
    outbound: {
      onWrite: (data: Uint8Array) => written.push(Buffer.from(data)),
      cipherInfo: INFO,
      cipherKey: key,
      seqno,
    },
  });
  return { cipher, written };
}

/** Encrypts `payload` as packet `seqno`, with `encrypt` (ours or ssh2's); the bytes written. */
function sealed(
  encrypt: (packet: Uint8Array) => void,
  key: Buffer,
  seqno: number,
  payload: Uint8Array,
) {
  const { cipher, written } = cipherPair(key, seqno);
  const packet = cipher.allocPacket(payload.length);
  packet.set(payload, 5);
  packet.fill(7, 5 + payload.length); // Padding is random: make it the same for both.
  encrypt.call(cipher, packet);
  return Buffer.concat(written);
}

/** A decipher (with our patched decrypt) collecting the payloads it decrypts. */
function decipher(key: Buffer) {
  const payloads: Buffer[] = [];
  const decipher = lib.createDecipher({
    inbound: {
      onPayload: (payload: Buffer) => void payloads.push(Buffer.from(payload)),
      decipherInfo: INFO,
      decipherKey: key,
      seqno: 0,
    },
  });
  return { decipher, payloads };
}

Deno.test("chacha20-poly1305: our packets are byte for byte ssh2's own, at every size", () => {
  const key = randomBytes(64);
  for (const seqno of [0, 1, 255, 65_536, 0x01020304, 2 ** 32 - 1]) {
    for (const size of SIZES) {
      const payload = randomBytes(size);
      const { cipher } = cipherPair(key, seqno);
      const ours = sealed(cipher.encrypt, key, seqno, payload);
      const theirs = sealed(ORIGINAL.encrypt, key, seqno, payload);
      assert.deepEqual(ours, theirs, `seqno ${seqno}, ${size} bytes`);
    }
  }
});

Deno.test("chacha20-poly1305: ssh2's packets decrypt, whole or split anywhere; a changed byte is refused", () => {
  const key = randomBytes(64);
  const payloads = SIZES.map((size) => randomBytes(size));
  const wire = Buffer.concat(
    payloads.map((payload, seqno) => sealed(ORIGINAL.encrypt, key, seqno, payload)),
  );
  for (const chunk of [wire.length, 1, 7, 4096]) {
    const ours = decipher(key);
    for (let at = 0; at < wire.length; at += chunk) {
      const piece = wire.subarray(at, Math.min(wire.length, at + chunk));
      ours.decipher.decrypt(piece, 0, piece.length);
    }
    assert.deepEqual(ours.payloads, payloads, `chunks of ${chunk}`);
  }
  for (const at of [2, 10, wire.indexOf(sealed(ORIGINAL.encrypt, key, 12, payloads[12]!)) + 30]) {
    const tampered = Buffer.from(wire);
    tampered[at]! ^= 1;
    assert.throws(
      () => decipher(key).decipher.decrypt(tampered, 0, tampered.length),
      /Invalid MAC|Bad packet length/,
    );
  }
});

Deno.test("chacha20-poly1305: a packet carrying a whole SFTP packet is taken, a longer one refused", () => {
  const key = randomBytes(64);
  const fits = randomBytes(CHANNEL_MAX_PACKET_BYTES + 9); // CHANNEL_DATA: type, channel, length
  const ours = decipher(key);
  const wire = sealed(ORIGINAL.encrypt, key, 0, fits);
  ours.decipher.decrypt(wire, 0, wire.length);
  assert.deepEqual(ours.payloads, [fits]);
  const over = sealed(ORIGINAL.encrypt, key, 0, randomBytes(CHANNEL_MAX_PACKET_BYTES + 2048));
  assert.throws(() => decipher(key).decipher.decrypt(over, 0, over.length), /Bad packet length/);
});
