import assert from "node:assert/strict";
import { scryptSync } from "node:crypto";
import { answerScryptRequests, ScryptClient } from "./scrypt_channel.ts";

const OPTIONS = { N: 1024, r: 8, p: 1, maxmem: 32 * 1024 * 1024 };
const encoder = new TextEncoder();

/** A client and the answering end of one channel; closing the client closes both. */
function connectedClient(): ScryptClient {
  const channel = new MessageChannel();
  answerScryptRequests(channel.port1);
  return new ScryptClient(channel.port2);
}

Deno.test("ScryptClient derives the same keys as node:crypto, each to its own request", async () => {
  const client = connectedClient();
  try {
    const inputs = ["first", "second", "third"].map((word, index) => ({
      secret: encoder.encode(`password-${word}`),
      salt: encoder.encode(`salt-${index}`),
      length: 16 + index * 16,
    }));
    const keys = await Promise.all(
      inputs.map(({ secret, salt, length }) => client.derive(secret, salt, length, OPTIONS)),
    );
    inputs.forEach(({ secret, salt, length }, index) => {
      assert.deepEqual(keys[index], new Uint8Array(scryptSync(secret, salt, length, OPTIONS)));
    });
  } finally {
    client.close();
  }
});

Deno.test("ScryptClient reports a failed derivation and keeps serving", async () => {
  const client = connectedClient();
  try {
    const salt = encoder.encode("salt");
    await assert.rejects(
      client.derive(encoder.encode("pw"), salt, 32, { ...OPTIONS, N: 3 }),
      /scrypt failed/,
    );
    const key = await client.derive(encoder.encode("pw"), salt, 32, OPTIONS);
    assert.equal(key.length, 32);
  } finally {
    client.close();
  }
});

Deno.test("ScryptClient.close() fails requests in flight and later ones", async () => {
  const client = connectedClient();
  const pending = client.derive(encoder.encode("pw"), encoder.encode("salt"), 32, OPTIONS);
  client.close();
  await assert.rejects(pending, /stopped/);
  await assert.rejects(
    client.derive(encoder.encode("pw"), encoder.encode("salt"), 32, OPTIONS),
    /stopped/,
  );
});
