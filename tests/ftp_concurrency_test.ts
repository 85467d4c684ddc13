import assert from "node:assert/strict";
import { randomBytes, sha256 } from "./_data.ts";
import { join } from "node:path";
import { curl, ftpUrl, python, startFtpServer } from "./_ftp.ts";
import { tempDir } from "./_spawn.ts";

Deno.test("20 ftplib clients at once each store, list and fetch their own file", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  const result = await python(
    server,
    `
import hashlib, os, threading
results = [None] * 20
def client(index):
    try:
        data = os.urandom(200_000 + index)
        f = ftplib.FTP()
        f.connect("127.0.0.1", PORT, timeout=60)
        f.login("alice", "alice-secret")
        f.mkd(f"dir{index}")
        f.cwd(f"dir{index}")
        f.storbinary("STOR data.bin", io.BytesIO(data))
        names = f.nlst()
        back = io.BytesIO()
        f.retrbinary("RETR data.bin", back.write)
        f.quit()
        ok = names == ["data.bin"] and hashlib.sha256(back.getvalue()).digest() == hashlib.sha256(data).digest()
        results[index] = "ok" if ok else f"mismatch {names}"
    except Exception as error:
        results[index] = repr(error)
threads = [threading.Thread(target=client, args=(i,)) for i in range(20)]
for thread in threads: thread.start()
for thread in threads: thread.join()
print(json.dumps(results))
`,
  );
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(JSON.parse(result.stdout), Array(20).fill("ok"));
  for (let index = 0; index < 20; index++) {
    const info = await Deno.stat(join(server.home("alice"), `dir${index}/data.bin`));
    assert.equal(info.size, 200_000 + index);
  }
});

Deno.test("the native protocol and FTP work on the same files at the same time", async () => {
  await using server = await startFtpServer();
  await server.addUser("alice", "alice-secret");
  await using work = await tempDir();
  const v1 = randomBytes(6 * 1024 * 1024);
  const v2 = randomBytes(6 * 1024 * 1024);
  const fromFtp = randomBytes(3 * 1024 * 1024);
  await Deno.writeFile(join(work.path, "v1.bin"), v1);
  await Deno.writeFile(join(work.path, "v2.bin"), v2);
  await Deno.writeFile(join(work.path, "from-ftp.bin"), fromFtp);
  const url = (path: string) => ftpUrl(server, "alice", "alice-secret", path);
  assert.equal((await curl(["-T", join(work.path, "v1.bin"), url("/shared.bin")])).code, 0);

  // ftpx's own client replaces the file while curl downloads it and uploads another.
  const nativePut = server.client("alice", "alice-secret", {
    command: "put v2.bin shared.bin",
    cwd: work.path,
  });
  const ftpDownloads = Promise.all(
    [0, 1, 2, 3, 4].map(async (index) => {
      const target = join(work.path, `seen${index}.bin`);
      const result = await curl(["-o", target, url("/shared.bin")]);
      assert.equal(result.code, 0, result.stderr);
      return sha256(await Deno.readFile(target));
    }),
  );
  const ftpUpload = curl(["-T", join(work.path, "from-ftp.bin"), url("/from-ftp.bin")]);
  const put = await nativePut;
  assert.equal(put.code, 0, put.stderr);
  for (const seen of await ftpDownloads) {
    assert.ok(seen === sha256(v1) || seen === sha256(v2), "every download is one whole version");
  }
  assert.equal((await ftpUpload).code, 0);

  const nativeGets = await server.client("alice", "alice-secret", {
    command: "get -f from-ftp.bin back-ftp.bin; get -f shared.bin back-shared.bin",
    cwd: work.path,
  });
  assert.equal(nativeGets.code, 0, nativeGets.stderr);
  assert.equal(sha256(await Deno.readFile(join(work.path, "back-ftp.bin"))), sha256(fromFtp));
  assert.equal(sha256(await Deno.readFile(join(work.path, "back-shared.bin"))), sha256(v2));
  const viaFtp = join(work.path, "final.bin");
  assert.equal((await curl(["-o", viaFtp, url("/shared.bin")])).code, 0);
  assert.equal(sha256(await Deno.readFile(viaFtp)), sha256(v2));
});
