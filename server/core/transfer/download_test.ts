import assert from "node:assert/strict";
import { join } from "node:path";
import { bytes, collector, fixture, sha256 } from "./_fixture.ts";
import { fileDigest, openDownload, TRANSFER_CHUNK_BYTES } from "./download.ts";

const SIZE = 2 * TRANSFER_CHUNK_BYTES + 12_345;

Deno.test("openDownload() sends exactly the requested range, across chunk boundaries", async () => {
  await using fx = await fixture();
  const content = bytes(SIZE);
  await Deno.writeFile(join(fx.home, "a.bin"), content);
  const ranges: [number, number | undefined][] = [
    [0, undefined],
    [1, undefined],
    [TRANSFER_CHUNK_BYTES - 1, 2],
    [TRANSFER_CHUNK_BYTES, TRANSFER_CHUNK_BYTES + 7],
    [SIZE - 3, undefined],
    [SIZE, undefined],
    [100, 10 * SIZE],
  ];
  for (const [offset, length] of ranges) {
    const download = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin", {
      offset,
      ...(length !== undefined ? { length } : {}),
    });
    const sink = collector(50_000);
    try {
      assert.equal(await download.sendTo(sink), download.length);
    } finally {
      download.close();
    }
    const expected = content.subarray(offset, length === undefined ? SIZE : offset + length);
    assert.equal(download.length, expected.length);
    assert.deepEqual(sink.data(), expected, `range ${offset}+${length}`);
  }
});

Deno.test("openDownload() hashes a whole-file send once and serves the digest from cache", async () => {
  await using fx = await fixture();
  const content = bytes(SIZE, 7);
  await Deno.writeFile(join(fx.home, "a.bin"), content);
  const first = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin");
  assert.equal(first.sha256, null);
  await first.sendTo(collector());
  first.close();
  assert.equal(first.digest, sha256(content));
  const second = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin", { offset: 5 });
  second.close();
  assert.equal(second.sha256, sha256(content));
  // A rewrite changes the identity: the cached digest no longer applies.
  await Deno.writeFile(join(fx.home, "a.bin"), bytes(SIZE, 8));
  await Deno.utime(join(fx.home, "a.bin"), 1, 1);
  const third = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin");
  third.close();
  assert.equal(third.sha256, null);
  assert.equal(
    (await fileDigest(fx.vfs, fx.stores.hashes, "/a.bin")).sha256,
    sha256(bytes(SIZE, 8)),
  );
});

Deno.test("openDownload() fails only the send when the file shrinks during a write", async () => {
  await using fx = await fixture();
  const path = join(fx.home, "a.bin");
  await Deno.writeFile(path, bytes(SIZE));
  const download = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin");
  // The first write truncates the file and completes on a later task, as a socket write does:
  // the next chunk's read fails while that write is still in flight.
  const slowSink = {
    async write(data: Uint8Array) {
      await Deno.truncate(path, 10);
      await new Promise((resolve) => setTimeout(resolve, 0));
      return data.length;
    },
  };
  try {
    await assert.rejects(download.sendTo(slowSink), { kind: "changed" });
  } finally {
    download.close();
  }
});

Deno.test("openDownload() refuses a resume of a file that changed (tag mismatch)", async () => {
  await using fx = await fixture();
  await Deno.writeFile(join(fx.home, "a.bin"), bytes(1000));
  const first = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin");
  first.close();
  const same = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin", { tag: first.identity.tag });
  same.close();
  // Replaced by a new file (new inode), same size.
  await Deno.writeFile(join(fx.home, "b.bin"), bytes(1000, 2));
  await Deno.rename(join(fx.home, "b.bin"), join(fx.home, "a.bin"));
  await assert.rejects(
    openDownload(fx.vfs, fx.stores.hashes, "/a.bin", { offset: 10, tag: first.identity.tag }),
    { name: "OperationError", kind: "changed" },
  );
});

Deno.test("openDownload() rejects offsets past the end, directories and missing files", async () => {
  await using fx = await fixture();
  await Deno.writeFile(join(fx.home, "a.bin"), bytes(10));
  await Deno.mkdir(join(fx.home, "dir"));
  await assert.rejects(openDownload(fx.vfs, fx.stores.hashes, "/a.bin", { offset: 11 }), {
    kind: "bad_request",
    message: 'Cannot read "/a.bin" from byte 11: it has only 10 bytes',
  });
  await assert.rejects(openDownload(fx.vfs, fx.stores.hashes, "/dir"), { kind: "is_a_directory" });
  await assert.rejects(openDownload(fx.vfs, fx.stores.hashes, "/none"), {
    kind: "not_found",
    message: 'Cannot open "/none": not found',
  });
});

Deno.test("openDownload() handles a 5 GiB sparse file's size and offsets past 4 GiB", async () => {
  await using fx = await fixture();
  const path = join(fx.home, "huge.bin");
  const size = 5 * 2 ** 30;
  const file = await Deno.open(path, { write: true, create: true });
  await file.truncate(size);
  await file.seek(size - 4, Deno.SeekMode.Start);
  await file.write(new Uint8Array([1, 2, 3, 4]));
  file.close();
  const tail = await openDownload(fx.vfs, fx.stores.hashes, "/huge.bin", { offset: size - 6 });
  const sink = collector();
  await tail.sendTo(sink);
  tail.close();
  assert.equal(tail.identity.size, size);
  assert.equal(tail.length, 6);
  assert.deepEqual([...sink.data()], [0, 0, 1, 2, 3, 4]);
  const middle = await openDownload(fx.vfs, fx.stores.hashes, "/huge.bin", {
    offset: 2 ** 32 + 1,
    length: 3,
  });
  const middleSink = collector();
  await middle.sendTo(middleSink);
  middle.close();
  assert.deepEqual([...middleSink.data()], [0, 0, 0]);
});

Deno.test("Download.readAt() reads any position in any order, short only at the end", async () => {
  await using fx = await fixture();
  const content = bytes(SIZE, 5);
  await Deno.writeFile(join(fx.home, "a.bin"), content);
  const download = await openDownload(fx.vfs, fx.stores.hashes, "/a.bin");
  try {
    for (const [position, size] of [[SIZE - 10, 64], [0, 1000], [TRANSFER_CHUNK_BYTES - 3, 9]]) {
      const buffer = new Uint8Array(size!);
      const count = await download.readAt(buffer, position!);
      const expected = content.subarray(position!, position! + size!);
      assert.equal(count, expected.length);
      assert.deepEqual(buffer.subarray(0, count), expected);
    }
    assert.equal(await download.readAt(new Uint8Array(10), SIZE), 0);
    assert.equal(await download.readAt(new Uint8Array(10), SIZE + 100), 0);
  } finally {
    download.close();
  }
});
