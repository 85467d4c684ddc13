/**
 * Random FTP command lines against a real server, before and after login:
 * every registered verb (and unknown ones) with random and hostile
 * arguments, including control characters, Telnet bytes and non-ASCII text.
 * Every line must get exactly one complete reply with a valid code and never
 * a 451 (internal error); the session must survive them all; and nothing may
 * appear outside the user's home.
 *
 * More cases: FTPX_FUZZ_ITERATIONS=20000 (a twentieth of that is used here, each
 * case being a round trip); replay one: FTPX_FUZZ_SEED=N.
 */

import assert from "node:assert/strict";
import { VERBS } from "../server/fronts/ftp/verbs/mod.ts";
import { RawFtpClient, startFtpServer } from "./_ftp.ts";
import { pathsOutsideHome } from "./_traversal.ts";
import { fuzzIterations, fuzzSeed, type Random, Random as Seeded } from "./_fuzz.ts";

/** Verbs a random line may name: not those that end the session or switch to TLS. */
const FUZZED = [...VERBS.keys()].filter((name) => !["QUIT", "AUTH"].includes(name));
const PIECES = [
  "..",
  "../..",
  "/",
  "~",
  "-la",
  "ALL",
  "1",
  "2",
  "0",
  "-1",
  "99999999999999999999",
  "|1|127.0.0.1|2000|",
  "127,0,0,1,7,208",
  "UTF8 ON",
  "MLST type;size;",
  "HASH SHA-256",
  "A N",
  "L 8",
  ".ftpx-partial",
  "%2e%2e",
  '"',
  "\0",
  "\x7f",
  "\xff\xf4",
  "\xff\xff",
  "\u00e9",
  "\ud83d\ude00",
];

function randomLine(random: Random): string {
  const verb = random.chance(0.9) ? random.pick(FUZZED) : random.text(6).toUpperCase();
  if (random.chance(0.2)) return verb;
  let arg = "";
  const parts = random.int(4);
  for (let i = 0; i < parts; i++) {
    arg += random.chance(0.7) ? random.pick(PIECES) : random.text(12);
  }
  if (random.chance(0.05)) arg = "x".repeat(random.pick([255, 256, 4096, 5000]));
  return `${verb} ${arg}`;
}

/** The line as bytes (one per character); a CR or LF would end it early, so they become "?". */
function lineBytes(line: string): Uint8Array {
  return new Uint8Array([...line].map((c) => {
    const byte = c.charCodeAt(0) & 0xff;
    return byte === 0x0d || byte === 0x0a ? 0x3f : byte;
  }));
}

/** Sends one line; returns every reply it caused (a started transfer is aborted at once). */
async function send(raw: RawFtpClient, line: string): Promise<string[]> {
  await raw.sendRaw(lineBytes(line));
  await raw.sendRaw("\r\n");
  const first = await raw.readReply();
  if (!first.startsWith("150")) return [first];
  // A transfer waits for a data connection that is not coming: abort it.
  const replies = [first, await raw.command("ABOR")];
  while (!/^22[56] /m.test(replies.at(-1)!)) replies.push(await raw.readReply());
  return replies;
}

Deno.test("random FTP command lines never break the server or the session (fuzz)", async () => {
  const seed = fuzzSeed();
  const random = new Seeded(seed);
  const iterations = Math.max(50, Math.floor(fuzzIterations(5000) / 20));
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const before = await pathsOutsideHome(server.dataDir, server.home("alice"));
  await using raw = await RawFtpClient.connect(server.ftpPort).then((r) => r.client);
  const codes = new Map<string, number>();
  for (let i = 0; i < iterations; i++) {
    if (i === Math.floor(iterations / 4)) {
      assert.equal(await raw.command("USER alice"), "331 Password required");
      assert.equal(await raw.command("PASS alice-secret"), "230 Logged in as alice");
    }
    const line = randomLine(random);
    const context = `seed ${seed}, case ${i}: ${JSON.stringify(line.slice(0, 200))}`;
    const replies = await send(raw, line);
    for (const reply of replies) {
      assert.match(reply, /^[1-5]\d\d[ -]/, context);
      assert.doesNotMatch(reply, /^451 /m, `${reply} (${context})`);
      const code = reply.slice(0, 3);
      codes.set(code, (codes.get(code) ?? 0) + 1);
    }
  }
  assert.ok(codes.has("530") && codes.has("550") && codes.has("501"), [...codes.keys()].join());
  assert.match(await raw.command("CWD /"), /^250 /);
  assert.deepEqual(await pathsOutsideHome(server.dataDir, server.home("alice")), before);
  await raw.command("QUIT");
  await server.stop();
  assert.doesNotMatch(server.log, /internal error|session failed|Uncaught/);
});
