import assert from "node:assert/strict";
import { scryptSync } from "node:crypto";
import { ScryptThread } from "./scrypt_thread.ts";

const OPTIONS = { N: 1024, r: 8, p: 1, maxmem: 32 * 1024 * 1024 };
const encoder = new TextEncoder();

Deno.test("ScryptThread derives the same keys as node:crypto, each to its own request", async () => {
  const thread = new ScryptThread();
  try {
    const inputs = ["first", "second", "third"].map((word, index) => ({
      secret: encoder.encode(`password-${word}`),
      salt: encoder.encode(`salt-${index}`),
      length: 16 + index * 16,
    }));
    const keys = await Promise.all(
      inputs.map(({ secret, salt, length }) => thread.derive(secret, salt, length, OPTIONS)),
    );
    inputs.forEach(({ secret, salt, length }, index) => {
      assert.deepEqual(keys[index], new Uint8Array(scryptSync(secret, salt, length, OPTIONS)));
    });
  } finally {
    thread.close();
  }
});

Deno.test("ScryptThread reports a failed derivation and keeps serving", async () => {
  const thread = new ScryptThread();
  try {
    const salt = encoder.encode("salt");
    await assert.rejects(
      thread.derive(encoder.encode("pw"), salt, 32, { ...OPTIONS, N: 3 }),
      /scrypt failed/,
    );
    const key = await thread.derive(encoder.encode("pw"), salt, 32, OPTIONS);
    assert.equal(key.length, 32);
  } finally {
    thread.close();
  }
});

Deno.test("ScryptThread.close() fails requests in flight and later ones", async () => {
  const thread = new ScryptThread();
  const pending = thread.derive(encoder.encode("pw"), encoder.encode("salt"), 32, OPTIONS);
  thread.close();
  await assert.rejects(pending, /stopped/);
  await assert.rejects(
    thread.derive(encoder.encode("pw"), encoder.encode("salt"), 32, OPTIONS),
    /stopped/,
  );
});
