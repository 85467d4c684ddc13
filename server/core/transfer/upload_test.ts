import assert from "node:assert/strict";
import { join } from "node:path";
import { recoverReservations, removeStalePartials } from "./maintenance.ts";
import { bytes, fixture, sha256, source } from "./_fixture.ts";
import { beginUpload, uploadOffset } from "./upload.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function partialFiles(home: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const item of Deno.readDir(join(home, ".ftpx-partial"))) names.push(item.name);
  } catch {
    // No partial dir yet.
  }
  return names;
}

Deno.test("upload: receive then commit stores the file atomically and counts its space", async () => {
  await using fx = await fixture();
  const content = bytes(700_000);
  const target = { home: fx.vfs, userId: fx.userId, path: "/a.bin" };
  const upload = await beginUpload(fx.stores, target, { size: content.length });
  assert.equal(await upload.receive(source(content, 70_000), { length: content.length }), 700_000);
  assert.equal(await exists(join(fx.home, "a.bin")), false, "never visible before commit");
  assert.deepEqual((await fx.vfs.list("/")).map((e) => e.name), [], "partials are hidden");
  assert.equal(await fx.used(), 0, "written bytes are held by the reservation until settled");
  assert.equal((await fx.stores.quota.usage(fx.userId)).reserved, 700_000);
  const result = await upload.commit({ sha256: sha256(content) });
  assert.equal(result.sha256, sha256(content));
  assert.equal(result.identity.size, 700_000);
  assert.deepEqual(await Deno.readFile(join(fx.home, "a.bin")), content);
  assert.deepEqual(await partialFiles(fx.home), []);
  assert.equal(await fx.used(), 700_000);
  assert.equal((await fx.stores.quota.usage(fx.userId)).reserved, 0);
});

Deno.test("upload: replacing a file counts only the new one", async () => {
  await using fx = await fixture();
  const target = { home: fx.vfs, userId: fx.userId, path: "/a.bin" };
  for (const size of [5000, 3000]) {
    const upload = await beginUpload(fx.stores, target, { size });
    await upload.write(bytes(size, size));
    await upload.commit();
  }
  assert.equal(await fx.used(), 3000);
  assert.deepEqual(await Deno.readFile(join(fx.home, "a.bin")), bytes(3000, 3000));
});

Deno.test("upload: a wrong sha256 discards the upload and leaves the old file", async () => {
  await using fx = await fixture();
  await Deno.writeFile(join(fx.home, "a.bin"), bytes(10, 9));
  await fx.stores.quota.adjust(fx.userId, 10);
  const upload = await beginUpload(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/a.bin" }, {
    size: 1000,
  });
  await upload.write(bytes(1000));
  await assert.rejects(upload.commit({ sha256: "0".repeat(64) }), {
    kind: "checksum_mismatch",
    message: 'Upload of "/a.bin" failed verification (sha256 differs): send it again',
  });
  assert.deepEqual(await Deno.readFile(join(fx.home, "a.bin")), bytes(10, 9));
  assert.deepEqual(await partialFiles(fx.home), []);
  assert.equal(await fx.used(), 10);
});

Deno.test("upload: an aborted upload resumes from its partial for the same source only", async () => {
  await using fx = await fixture();
  const content = bytes(300_000, 3);
  const target = { home: fx.vfs, userId: fx.userId, path: "/r.bin" };
  const options = { size: content.length, source: "300000:1234" };
  const first = await beginUpload(fx.stores, target, options);
  await first.write(content.subarray(0, 120_000));
  await first.abort();
  assert.equal(await fx.used(), 120_000, "the kept partial counts as used space");
  assert.equal(await uploadOffset(fx.stores, target, options), 120_000);
  assert.equal(await uploadOffset(fx.stores, target, { ...options, source: "other" }), 0);
  assert.equal(await uploadOffset(fx.stores, target, { ...options, size: 5 }), 0);

  const second = await beginUpload(fx.stores, target, { ...options, offset: 120_000 });
  assert.equal(second.offset, 120_000);
  await second.receive(source(content.subarray(120_000)), { length: 180_000 });
  await second.commit({ sha256: sha256(content) });
  assert.deepEqual(await Deno.readFile(join(fx.home, "r.bin")), content);
  assert.equal(await fx.used(), 300_000);
});

Deno.test("upload: resuming past what the server holds is refused with 'changed'", async () => {
  await using fx = await fixture();
  const target = { home: fx.vfs, userId: fx.userId, path: "/r.bin" };
  await assert.rejects(beginUpload(fx.stores, target, { size: 100, offset: 50 }), {
    kind: "changed",
    message: 'Cannot resume the upload of "/r.bin" at byte 50: the server holds 0 bytes of it',
  });
});

Deno.test("upload: an offset without a partial appends to the stored file (FTP APPE)", async () => {
  await using fx = await fixture();
  await Deno.writeFile(join(fx.home, "log.txt"), new TextEncoder().encode("hello "));
  await fx.stores.quota.adjust(fx.userId, 6);
  const upload = await beginUpload(
    fx.stores,
    { home: fx.vfs, userId: fx.userId, path: "/log.txt" },
    {
      offset: 6,
    },
  );
  await upload.write(new TextEncoder().encode("world"));
  await upload.commit();
  assert.equal(await Deno.readTextFile(join(fx.home, "log.txt")), "hello world");
  assert.equal(await fx.used(), 11);
});

Deno.test("upload: the quota refuses a declared size before any data, naming used and allowed", async () => {
  await using fx = await fixture(100 * 1024);
  await fx.stores.quota.adjust(fx.userId, 60 * 1024);
  const target = { home: fx.vfs, userId: fx.userId, path: "/big.bin" };
  const refusal = {
    kind: "quota_exceeded",
    message: 'Cannot upload "/big.bin" (50K): quota exceeded, 60K used of 100K allowed',
  };
  await assert.rejects(uploadOffset(fx.stores, target, { size: 50 * 1024 }), refusal);
  await assert.rejects(beginUpload(fx.stores, target, { size: 50 * 1024 }), refusal);
  assert.deepEqual(await partialFiles(fx.home), []);
  const fits = await beginUpload(fx.stores, target, { size: 40 * 1024 });
  await fits.abort({ keep: false });
  assert.equal(await fx.used(), 60 * 1024);
});

Deno.test("upload: two concurrent uploads on different threads can't jointly exceed the quota", async () => {
  await using fx = await fixture(100_000);
  const other = await fx.otherThread();
  const first = await beginUpload(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/1" }, {
    size: 60_000,
  });
  await assert.rejects(
    beginUpload(other.stores, { home: fx.vfs, userId: fx.userId, path: "/2" }, { size: 60_000 }),
    {
      kind: "quota_exceeded",
      message:
        'Cannot upload "/2" (59K): quota exceeded, 0 used (+59K held by uploads in progress) of 98K allowed',
    },
  );
  await first.write(bytes(60_000));
  await first.commit();
  const second = await beginUpload(other.stores, { home: fx.vfs, userId: fx.userId, path: "/2" }, {
    size: 40_000,
  });
  await second.write(bytes(40_000));
  await second.commit();
  assert.equal(await fx.used(), 100_000);
});

Deno.test("upload: two uploads to one path at once are refused", async () => {
  await using fx = await fixture();
  const target = { home: fx.vfs, userId: fx.userId, path: "/same" };
  const first = await beginUpload(fx.stores, target, { size: 10 });
  await assert.rejects(beginUpload(fx.stores, target, { size: 10 }), { kind: "exists" });
  await first.abort({ keep: false });
});

Deno.test("upload: without a declared size the quota is enforced while streaming", async () => {
  await using fx = await fixture(300_000);
  const upload = await beginUpload(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/s" });
  await assert.rejects(upload.receive(source(bytes(500_000))), { kind: "quota_exceeded" });
  assert.ok(upload.length <= 300_000);
  await upload.abort({ keep: false });
  assert.equal(await fx.used(), 0);
  assert.equal((await fx.stores.quota.usage(fx.userId)).reserved, 0);
});

Deno.test("upload: a quota refusal while the next chunk is on the network fails only the upload", async () => {
  await using fx = await fixture(300_000);
  const upload = await beginUpload(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/s" });
  const data = source(bytes(2_000_000), 256 * 1024);
  // Each read completes on a later task, as from a socket: the write's refusal happens meanwhile.
  const network = {
    read: (buffer: Uint8Array) =>
      new Promise<number | null>((resolve) => setTimeout(() => resolve(data.read(buffer)), 0)),
  };
  await assert.rejects(upload.receive(network), { kind: "quota_exceeded" });
  await upload.abort({ keep: false });
  assert.equal((await fx.stores.quota.usage(fx.userId)).reserved, 0);
});

Deno.test("upload: refuses a directory target, a missing parent and more than the declared size", async () => {
  await using fx = await fixture();
  await Deno.mkdir(join(fx.home, "d"));
  const at = (path: string) => ({ home: fx.vfs, userId: fx.userId, path });
  await assert.rejects(beginUpload(fx.stores, at("/d"), { size: 1 }), { kind: "is_a_directory" });
  await assert.rejects(beginUpload(fx.stores, at("/nope/x"), { size: 1 }), {
    kind: "not_found",
    message: 'Cannot write "/nope/x": no directory "/nope"',
  });
  const upload = await beginUpload(fx.stores, at("/x"), { size: 3 });
  await assert.rejects(upload.write(bytes(4)), { kind: "bad_request" });
  await assert.rejects(upload.commit(), { kind: "bad_request" }, "incomplete");
  await upload.abort({ keep: false });
});

Deno.test("upload: after a crash, recovery charges what was written and drops the reservation", async () => {
  await using fx = await fixture(1_000_000);
  const upload = await beginUpload(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/c" }, {
    size: 900_000,
  });
  await upload.write(bytes(250_000));
  // The server dies here: no abort, no settle. A new server starts:
  assert.equal(await recoverReservations(fx.accounts), 1);
  assert.equal(await fx.used(), 250_000);
  assert.equal((await fx.stores.quota.usage(fx.userId)).reserved, 0);
  assert.equal(
    await uploadOffset(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/c" }, {
      size: 900_000,
    }),
    250_000,
  );
});

Deno.test("removeStalePartials() deletes idle partials and frees their space", async () => {
  await using fx = await fixture();
  const idle = await beginUpload(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/old" }, {
    size: 100,
  });
  await idle.write(bytes(40));
  await idle.abort();
  const running = await beginUpload(fx.stores, { home: fx.vfs, userId: fx.userId, path: "/new" }, {
    size: 100,
  });
  assert.equal(await fx.used(), 40);
  assert.equal(await removeStalePartials(fx.accounts, 24 * 3600 * 1000), 0, "young partials stay");
  assert.equal(await removeStalePartials(fx.accounts, -1), 1, "a running upload is never removed");
  assert.equal(await fx.used(), 0);
  assert.equal((await partialFiles(fx.home)).length, 1);
  await running.abort({ keep: false });
});
