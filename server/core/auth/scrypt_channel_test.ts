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

Deno.test("answerScryptRequests lets the thread's timers run between the hashes of a burst", async () => {
  // The main thread also keeps the node lease: a burst of logins must not hold its heartbeat
  // back until the last hash is done (under load, past the lease, and the node is released).
  const channel = new MessageChannel();
  const port = channel.port1;
  let answers = 0;
  const post = port.postMessage.bind(port) as (message: unknown, transfer: Transferable[]) => void;
  port.postMessage = ((message: unknown, transfer: Transferable[]) => {
    answers++;
    post(message, transfer);
  }) as MessagePort["postMessage"];
  answerScryptRequests(port);
  // A timer set when the first request arrives, as the heartbeat's comes due in a burst.
  const receive = port.onmessage!;
  let timerRan: Promise<number> | undefined;
  port.onmessage = (event) => {
    timerRan ??= new Promise((resolve) => setTimeout(() => resolve(answers), 0));
    receive.call(port, event);
  };
  const client = new ScryptClient(channel.port2);
  try {
    const count = 20;
    const burst = Array.from(
      { length: count },
      (_, index) =>
        client.derive(encoder.encode(`pw-${index}`), encoder.encode("salt"), 32, OPTIONS),
    );
    await Promise.all(burst);
    const answersWhenTimerRan = await timerRan!;
    assert.ok(answersWhenTimerRan < count / 2, `the timer ran after ${answersWhenTimerRan} hashes`);
  } finally {
    client.close();
  }
});
