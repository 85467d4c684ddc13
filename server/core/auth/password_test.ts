import assert from "node:assert/strict";
import { scrypt } from "node:crypto";
import {
  hashPassword,
  type ScryptBackend,
  useScryptBackend,
  useVerificationCache,
  verifyPassword,
} from "./password.ts";

/** node:crypto's scrypt, counting the hashes it computes. */
function countingBackend(): { backend: ScryptBackend; count(): number } {
  let hashes = 0;
  const backend: ScryptBackend = (secret, salt, length, options) => {
    hashes++;
    return new Promise((resolve, reject) =>
      scrypt(secret, salt, length, options, (error, key) => error ? reject(error) : resolve(key))
    );
  };
  return { backend, count: () => hashes };
}

Deno.test("verifyPassword() hashes a correct password once while the cache remembers it, a wrong one every time", async () => {
  const counter = countingBackend();
  useScryptBackend(counter.backend);
  useVerificationCache(60);
  try {
    const stored = await hashPassword("correct horse");
    const afterHashing = counter.count();
    assert.equal(await verifyPassword("correct horse", stored), true);
    assert.equal(await verifyPassword("correct horse", stored), true);
    assert.equal(counter.count() - afterHashing, 1, "the second check was not hashed");
    assert.equal(await verifyPassword("wrong horse", stored), false);
    assert.equal(await verifyPassword("wrong horse", stored), false);
    assert.equal(counter.count() - afterHashing, 3, "every wrong password is hashed");
    // A changed password is a new stored hash (a new salt): the old pair no longer counts.
    const changed = await hashPassword("correct horse");
    const beforeChanged = counter.count();
    assert.equal(await verifyPassword("correct horse", changed), true);
    assert.equal(counter.count() - beforeChanged, 1);
  } finally {
    useVerificationCache(0);
  }
});

Deno.test("verifyPassword() hashes every time when the cache is off", async () => {
  const counter = countingBackend();
  useScryptBackend(counter.backend);
  useVerificationCache(0);
  const stored = await hashPassword("correct horse");
  const afterHashing = counter.count();
  assert.equal(await verifyPassword("correct horse", stored), true);
  assert.equal(await verifyPassword("correct horse", stored), true);
  assert.equal(counter.count() - afterHashing, 2);
});
