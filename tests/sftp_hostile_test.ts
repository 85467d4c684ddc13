/**
 * Hostile SFTP input after a real SSH login (ssh2's client, speaking raw
 * bytes on the sftp channel): a huge length prefix, garbage packets, more
 * handles than allowed, a client that stops reading, and the traversal
 * corpus; meanwhile other sessions keep being served.
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { join } from "node:path";
import ssh2 from "ssh2";
import { bytes, fileSha256, sha256 } from "./_data.ts";
import { sftpBatch, type SftpTestServer, startSftpServer } from "./_sftp.ts";
import { limitOpenFiles, tempDir } from "./_spawn.ts";
import { HOSTILE_PATHS, SENTINEL, setUpTraversal } from "./_traversal.ts";
import { failAfter } from "./_wire.ts";

const PASSWORD = "alice-secret-1";

/** A raw sftp channel: write packets, read replies. */
interface RawSftp {
  send(bytes: Uint8Array): void;
  /** The next whole reply packet (type byte first). */
  reply(): Promise<Uint8Array>;
  /** Resolves when the server closes the channel or connection. */
  closed: Promise<void>;
  pause(): void;
  end(): void;
}

async function rawSftp(
  server: SftpTestServer,
  user = "alice",
  password = PASSWORD,
): Promise<RawSftp> {
  // deno-lint-ignore no-explicit-any
  const client = new (ssh2 as any).Client();
  // deno-lint-ignore no-explicit-any
  const stream: any = await new Promise((resolve, reject) => {
    client.on("error", reject);
    client.on("ready", () => {
      client.subsys(
        "sftp",
        (error: Error | undefined, channel: unknown) => error ? reject(error) : resolve(channel),
      );
    });
    client.connect({
      host: "127.0.0.1",
      port: server.sftpPort,
      username: user,
      password,
      readyTimeout: 20_000,
    });
  });
  let buffered = new Uint8Array(0);
  const waiting: (() => void)[] = [];
  let ended = false;
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      ended = true;
      waiting.splice(0).forEach((wake) => wake());
      resolve();
    };
    stream.on("close", done);
    client.on("close", done);
  });
  client.on("error", () => {});
  stream.on("data", (chunk: Uint8Array) => {
    const joined = new Uint8Array(buffered.length + chunk.length);
    joined.set(buffered);
    joined.set(chunk, buffered.length);
    buffered = joined;
    waiting.splice(0).forEach((wake) => wake());
  });
  return {
    send: (data) => stream.write(Buffer.from(data)),
    async reply() {
      while (true) {
        if (buffered.length >= 4) {
          const length = new DataView(buffered.buffer, buffered.byteOffset).getUint32(0);
          if (buffered.length >= 4 + length) {
            const packet = buffered.slice(4, 4 + length);
            buffered = buffered.slice(4 + length);
            return packet;
          }
        }
        if (ended) throw new Error("channel closed");
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
    },
    closed,
    pause: () => stream.pause(),
    end: () => client.end(),
  };
}

function packet(type: number, ...fields: (number | string | Uint8Array)[]): Uint8Array {
  const parts: number[] = [type];
  for (const field of fields) {
    if (typeof field === "number") {
      parts.push((field >>> 24) & 255, (field >>> 16) & 255, (field >>> 8) & 255, field & 255);
    } else {
      const data = typeof field === "string" ? new TextEncoder().encode(field) : field;
      parts.push(
        (data.length >>> 24) & 255,
        (data.length >>> 16) & 255,
        (data.length >>> 8) & 255,
        data.length & 255,
        ...data,
      );
    }
  }
  const length = parts.length;
  return new Uint8Array([
    (length >>> 24) & 255,
    (length >>> 16) & 255,
    (length >>> 8) & 255,
    length & 255,
    ...parts,
  ]);
}

const INIT = packet(1, 3);

/** Status code of a STATUS reply (type 101), or the reply type when it isn't one. */
function statusOf(reply: Uint8Array): number {
  if (reply[0] !== 101) return -reply[0]!;
  return new DataView(reply.buffer, reply.byteOffset).getUint32(5);
}

async function withServer(
  work: (server: SftpTestServer, dir: string) => Promise<void>,
  ini = "",
): Promise<void> {
  await using dir = await tempDir("ftpx-sftp-hostile-");
  const server = await startSftpServer({ ini });
  try {
    await server.addUser("alice", PASSWORD);
    await work(server, dir.path);
  } finally {
    await server.stop();
  }
}

/** Another user's full round trip works: the server still serves while one session misbehaves. */
async function othersStillServed(server: SftpTestServer, dir: string): Promise<void> {
  const content = bytes(300_000, 8);
  await Deno.writeFile(join(dir, "probe.bin"), content);
  const result = await sftpBatch(
    server,
    "alice",
    { password: PASSWORD },
    "put probe.bin\nget probe.bin probe-back.bin\n",
    {
      cwd: dir,
    },
  );
  assert.equal(result.code, 0, result.stderr);
  assert.equal(await fileSha256(join(dir, "probe-back.bin")), sha256(content));
}

Deno.test("sftp hostile: a 4 GiB length prefix ends the session before anything is allocated", async () => {
  await withServer(async (server, dir) => {
    const raw = await rawSftp(server);
    raw.send(INIT);
    assert.equal((await raw.reply())[0], 2, "VERSION");
    raw.send(new Uint8Array([0xff, 0xff, 0xff, 0xf0, 1, 2, 3]));
    await raw.closed;
    await server.waitForLog(
      /sftp protocol error .*SFTP packet of 4294967280 bytes, over the 262144-byte limit/,
    );
    await othersStillServed(server, dir);
  });
});

Deno.test("sftp hostile: garbage packets get BAD_MESSAGE or OP_UNSUPPORTED, and the session goes on", async () => {
  await withServer(async (server, dir) => {
    const raw = await rawSftp(server);
    raw.send(INIT);
    await raw.reply();
    // Unknown types, truncated fields, a string longer than its packet, invalid UTF-8.
    const junk = [
      packet(99, 1),
      packet(17, 2),
      packet(17, 3, new Uint8Array([0, 0, 0, 200, 65])),
      packet(17, 4, new Uint8Array([0xff, 0xfe])),
      packet(5, 5, "no-such-handle", 0, 0, 100),
      packet(200, 6, "nonsense@example.com"),
    ];
    const seed = 12345;
    let state = seed;
    for (let i = 0; i < 30; i++) {
      const body = new Uint8Array(5 + (i % 40)); // Type and id at least: a reply can name it.
      for (let j = 0; j < body.length; j++) {
        body[j] = (state = (state * 1103515245 + 12345) >>> 0) & 255;
      }
      body[0] = 3 + (i % 18); // Known request types with random fields.
      junk.push(new Uint8Array([0, 0, 0, body.length, ...body]));
    }
    for (const bad of junk) raw.send(bad);
    for (let i = 0; i < junk.length; i++) {
      const reply = await raw.reply();
      assert.ok([101, 102, 104, 105].includes(reply[0]!), `reply type ${reply[0]}`);
    }
    raw.send(packet(16, 99, "."));
    const realpath = await raw.reply();
    assert.equal(realpath[0], 104, "still answering");
    // A packet too short to carry a request id can't be answered: the session ends (as OpenSSH's).
    raw.send(new Uint8Array([0, 0, 0, 2, 17, 0]));
    await raw.closed;
    await server.waitForLog(/sftp protocol error .*packet ends before its fields/);
    await othersStillServed(server, dir);
  });
});

Deno.test("sftp hostile: handles are capped; the session survives and closing frees them", async () => {
  await withServer(async (server) => {
    await Deno.writeTextFile(join(server.home("alice"), "f.txt"), "x");
    const raw = await rawSftp(server);
    raw.send(INIT);
    await raw.reply();
    const codes: number[] = [];
    for (let i = 0; i < 80; i++) raw.send(packet(3, i, "/f.txt", 1, 0));
    for (let i = 0; i < 80; i++) codes.push(statusOf(await raw.reply()));
    const opened = codes.filter((code) => code === -102).length;
    assert.equal(opened, 64, "64 handles, the limit");
    assert.equal(codes.filter((code) => code === 4).length, 16, "the rest refused with FAILURE");
    raw.send(packet(4, 100, "1"));
    assert.equal(statusOf(await raw.reply()), 0);
    raw.send(packet(3, 101, "/f.txt", 1, 0));
    assert.equal(statusOf(await raw.reply()), -102, "a closed handle makes room");
    raw.end();
  });
});

Deno.test("sftp hostile: a client that pipelines READs and never reads replies is cut at transfer_timeout", async () => {
  await using dir = await tempDir("ftpx-sftp-slow-");
  const server = await startSftpServer({ ini: "transfer_timeout = 2\n" });
  try {
    await server.addUser("alice", PASSWORD);
    await Deno.writeFile(join(server.home("alice"), "big.bin"), bytes(8 * 1024 * 1024, 1));
    const raw = await rawSftp(server);
    raw.send(INIT);
    await raw.reply();
    raw.send(packet(3, 1, "/big.bin", 1, 0));
    const handle = (await raw.reply()).subarray(9);
    raw.pause(); // Stop reading: replies pile up in the SSH window, then the server must wait.
    for (let i = 0; i < 200; i++) {
      raw.send(packet(5, 10 + i, handle, 0, i * 65536, 65536));
    }
    await server.waitForLog(/transfer stalled .*protocol=sftp/);
    await raw.closed;
    await othersStillServed(server, dir.path);
  } finally {
    await server.stop();
  }
});

Deno.test("sftp hostile: the traversal corpus never reaches outside the home", async () => {
  await withServer(async (server) => {
    const scene = await setUpTraversal(server.dataDir, server.home("alice"), server.home("bob"));
    const raw = await rawSftp(server);
    raw.send(INIT);
    await raw.reply();
    let id = 1;
    for (const path of HOSTILE_PATHS) {
      await scene.plantLinks();
      const requests = [
        packet(17, id++, path), // STAT
        packet(11, id++, path), // OPENDIR
        packet(3, id++, path, 1, 0), // OPEN read
        packet(3, id++, `${path}/x`, 0x1a, 0), // OPEN write|creat|trunc
        packet(14, id++, `${path}/made`, 0), // MKDIR
        packet(13, id++, path), // REMOVE
        packet(15, id++, path), // RMDIR
        packet(18, id++, path, "inside/moved"), // RENAME
        packet(16, id++, path), // REALPATH
      ];
      for (const request of requests) raw.send(request);
      for (let i = 0; i < requests.length; i++) {
        const reply = await raw.reply();
        const text = new TextDecoder().decode(reply);
        if (!path.includes(SENTINEL)) assert.ok(!text.includes(SENTINEL), `${path}: ${text}`);
        if (reply[0] === 102) {
          // A handle (a directory or file inside the home): close it again.
          raw.send(packet(4, id++, reply.subarray(9)));
          await raw.reply();
        }
      }
    }
    raw.end();
    await scene.assertUntouched();
  });
});

Deno.test("sftp hostile: running out of file descriptors does not switch SFTP off for good", async () => {
  // One thread, so the one SFTP listener that runs out is the one the last client reaches.
  await withServer(async (server, dir) => {
    // Room for a few more connections only.
    await limitOpenFiles(server.pid, 8);
    const held: Deno.Conn[] = [];
    try {
      for (let i = 0; i < 24; i++) {
        held.push(await Deno.connect({ hostname: "127.0.0.1", port: server.sftpPort }));
      }
      await failAfter(
        30_000,
        "never ran out",
        () => server.waitForLog(/out of file descriptors protocol=sftp/),
      );
    } finally {
      held.forEach((conn) => conn.close());
    }
    await failAfter(
      30_000,
      "SFTP never listened again",
      () => server.waitForLog(/sftp listener restarted/),
    );
    await othersStillServed(server, dir);
  }, "workers = 1\n");
});

Deno.test("sftp hostile: session channels are capped per connection: 4 open at once, 64 in all", async () => {
  await withServer(async (server, dir) => {
    // deno-lint-ignore no-explicit-any
    const client = new (ssh2 as any).Client();
    await new Promise<void>((resolve, reject) => {
      client.on("error", reject);
      client.on("ready", resolve);
      client.connect({
        host: "127.0.0.1",
        port: server.sftpPort,
        username: "alice",
        password: PASSWORD,
        readyTimeout: 20_000,
      });
    });
    type Sftp = { end(): void; once(event: "close", listener: () => void): void };
    /** Opens an sftp channel: the channel, or the refusal's message. */
    const open = () =>
      new Promise<Sftp | string>((resolve) => {
        client.sftp((error: Error | undefined, sftp: Sftp) => resolve(error?.message ?? sftp));
      });
    const close = (sftp: Sftp) =>
      new Promise<void>((resolve) => {
        sftp.once("close", resolve);
        sftp.end();
      });
    try {
      // Four held open: a fifth is refused.
      const held: Sftp[] = [];
      for (let i = 0; i < 4; i++) held.push((await open()) as Sftp);
      assert.match(String(await open()), /open failure/i);
      for (const sftp of held) await close(sftp);
      // Closed channels no longer count toward the 4, but every channel counts toward the 64.
      // Four at a time (a close takes a round trip or two), 60 more: 64 in all.
      for (let round = 0; round < 15; round++) {
        const opened = await Promise.all([open(), open(), open(), open()]);
        for (const sftp of opened) assert.equal(typeof sftp, "object", `round ${round}: ${sftp}`);
        await Promise.all(opened.map((sftp) => close(sftp as Sftp)));
      }
      assert.match(String(await open()), /open failure/i);
    } finally {
      client.end();
    }
    await othersStillServed(server, dir);
  });
});
