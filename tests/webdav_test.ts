/**
 * WebDAV end to end with real clients: rclone (Debian's) copying and
 * syncing a tree of ~200 files both ways, verified by content; curl for
 * Range, PROPFIND quota properties, MKCOL, MOVE, COPY, LOCK/UNLOCK, an
 * over-quota PUT refused before any data, and the traversal corpus sent
 * byte for byte (`--path-as-is`) with encoded dots, slashes, backslashes
 * and NULs.
 */

import assert from "node:assert/strict";
import { dirname, join, relative } from "node:path";
import { curl } from "./_ftp.ts";
import { bytes, fileSha256, sha256 } from "./_data.ts";
import { type HttpTestServer, startHttpServer, WebClient } from "./_http.ts";
import { runProgram, tempDir } from "./_spawn.ts";
import { HOSTILE_PATHS, SENTINEL, setUpTraversal } from "./_traversal.ts";

const ALICE = "alice-password-1";

function davUrl(server: HttpTestServer, path = "/"): string {
  return `http://127.0.0.1:${server.httpPort}/dav${path}`;
}

/** curl with alice's Basic credentials. */
function davCurl(args: string[]): ReturnType<typeof curl> {
  return curl(["-u", `alice:${ALICE}`, ...args]);
}

/** Runs rclone against the server as remote `fx:`, with no config of its own. */
async function rclone(server: HttpTestServer, root: string, args: string[]) {
  const obscured = await runProgram("rclone", ["obscure", ALICE]);
  return await runProgram("rclone", [...args, "--contimeout", "10s", "--timeout", "30s"], {
    env: {
      RCLONE_CONFIG: join(root, "rclone.conf"),
      RCLONE_CONFIG_FX_TYPE: "webdav",
      RCLONE_CONFIG_FX_URL: davUrl(server),
      RCLONE_CONFIG_FX_VENDOR: "other",
      RCLONE_CONFIG_FX_USER: "alice",
      RCLONE_CONFIG_FX_PASS: obscured.stdout.trim(),
      HOME: root,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    },
  });
}

/** Writes a tree of `count` files (sizes 0 to ~40K) in nested folders; returns their paths. */
async function makeTree(root: string, count: number): Promise<string[]> {
  const paths: string[] = [];
  for (let index = 0; index < count; index++) {
    const path = join(root, `d${index % 7}`, `s${index % 3}`, `file ${index}.bin`);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(path, bytes((index * 997) % 40_000, index));
    paths.push(path);
  }
  return paths;
}

/** Relative path -> sha256 of every file under `root`. */
async function digests(root: string): Promise<Record<string, string>> {
  const found: Record<string, string> = {};
  async function walk(dir: string): Promise<void> {
    for await (const entry of Deno.readDir(dir)) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (entry.name !== ".ftpx-partial") await walk(path);
      } else found[relative(root, path)] = await fileSha256(path);
    }
  }
  await walk(root);
  return found;
}

Deno.test("rclone: copy and sync a tree of 200 files both ways over WebDAV, verified by content", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  await using dir = await tempDir();
  const local = join(dir.path, "local");
  const paths = await makeTree(local, 200);
  const up = await rclone(server, dir.path, ["copy", local, "fx:tree"]);
  assert.equal(up.code, 0, up.stderr);
  const home = join(server.home("alice"), "tree");
  assert.deepEqual(await digests(home), await digests(local));
  const check = await rclone(server, dir.path, ["check", "--download", local, "fx:tree"]);
  assert.equal(check.code, 0, check.stderr);
  // Change the local side, then sync: deletions and new files reach the server.
  for (const path of paths.slice(0, 20)) await Deno.remove(path);
  await Deno.writeFile(join(local, "d1", "new.bin"), bytes(12345, 77));
  await Deno.writeFile(paths[50]!, bytes(999, 78));
  const sync = await rclone(server, dir.path, ["sync", local, "fx:tree"]);
  assert.equal(sync.code, 0, sync.stderr);
  assert.deepEqual(await digests(home), await digests(local));
  // And back: a fresh local copy of the server's tree, then a sync after a change on the server.
  const back = join(dir.path, "back");
  const down = await rclone(server, dir.path, ["copy", "fx:tree", back]);
  assert.equal(down.code, 0, down.stderr);
  assert.deepEqual(await digests(back), await digests(local));
  assert.equal((await davCurl(["-X", "DELETE", davUrl(server, "/tree/d2/")])).code, 0);
  const syncBack = await rclone(server, dir.path, ["sync", "fx:tree", back]);
  assert.equal(syncBack.code, 0, syncBack.stderr);
  assert.deepEqual(await digests(back), await digests(home));
  assert.ok(!Object.keys(await digests(back)).some((path) => path.startsWith("d2/")));
  // The WebDAV logins show in `who` as one session per client address and password.
  const admin = new WebClient(`http://127.0.0.1:${server.httpPort}`);
  await admin.login("admin", server.adminPassword);
  const sessions = (await admin.get("/api/admin/sessions")).body.sessions;
  assert.ok(
    sessions.some((s: { user: string; protocol: string }) =>
      s.user === "alice" && s.protocol === "webdav"
    ),
    JSON.stringify(sessions),
  );
});

Deno.test("WebDAV with curl: Range, PROPFIND quota, MKCOL, COPY, MOVE with Overwrite, LOCK and UNLOCK", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE, ["--quota", "10M"]);
  await using dir = await tempDir();
  const data = bytes(100_000, 3);
  const source = join(dir.path, "a.bin");
  await Deno.writeFile(source, data);
  const put = await davCurl([
    "-T",
    source,
    "-w",
    "%{http_code}",
    "-o",
    "/dev/null",
    davUrl(server, "/a.bin"),
  ]);
  assert.equal(put.stdout, "201");
  const again = await davCurl([
    "-T",
    source,
    "-w",
    "%{http_code}",
    "-o",
    "/dev/null",
    davUrl(server, "/a.bin"),
  ]);
  assert.equal(again.stdout, "204", "replacing is 204");
  const range = await davCurl([
    "-r",
    "1000-1999",
    "-D",
    join(dir.path, "h"),
    "-o",
    join(dir.path, "r"),
    davUrl(server, "/a.bin"),
  ]);
  assert.equal(range.code, 0);
  assert.match(await Deno.readTextFile(join(dir.path, "h")), /^HTTP\/1\.1 206/);
  assert.equal(sha256(await Deno.readFile(join(dir.path, "r"))), sha256(data.slice(1000, 2000)));
  const props = await davCurl(["-X", "PROPFIND", "-H", "Depth: 0", davUrl(server, "/")]);
  assert.match(props.stdout, /<D:quota-used-bytes>100000<\/D:quota-used-bytes>/);
  assert.match(props.stdout, new RegExp(`<D:quota-available-bytes>${10 * 1024 * 1024 - 100000}<`));
  const infinity = await davCurl([
    "-X",
    "PROPFIND",
    "-H",
    "Depth: infinity",
    "-w",
    "%{http_code}",
    "-o",
    "/dev/null",
    davUrl(server, "/"),
  ]);
  assert.equal(infinity.stdout, "403");
  const code = async (args: string[]) =>
    (await davCurl([...args, "-w", "%{http_code}", "-o", "/dev/null"])).stdout;
  assert.equal(await code(["-X", "MKCOL", davUrl(server, "/docs")]), "201");
  assert.equal(await code(["-X", "MKCOL", davUrl(server, "/docs")]), "405");
  assert.equal(await code(["-X", "MKCOL", davUrl(server, "/no/such")]), "409");
  assert.equal(
    await code([
      "-X",
      "COPY",
      "-H",
      `Destination: ${davUrl(server, "/docs/b.bin")}`,
      davUrl(server, "/a.bin"),
    ]),
    "201",
  );
  assert.equal(await fileSha256(join(server.home("alice"), "docs", "b.bin")), sha256(data));
  assert.equal(
    await code([
      "-X",
      "MOVE",
      "-H",
      `Destination: ${davUrl(server, "/docs/b.bin")}`,
      "-H",
      "Overwrite: F",
      davUrl(server, "/a.bin"),
    ]),
    "412",
  );
  assert.equal(
    await code([
      "-X",
      "MOVE",
      "-H",
      `Destination: ${davUrl(server, "/docs/b.bin")}`,
      davUrl(server, "/a.bin"),
    ]),
    "204",
  );
  assert.equal(
    await code([
      "-X",
      "COPY",
      "-H",
      `Destination: ${davUrl(server, "/docs2/")}`,
      davUrl(server, "/docs/"),
    ]),
    "201",
  );
  assert.equal(await fileSha256(join(server.home("alice"), "docs2", "b.bin")), sha256(data));
  const lockBody =
    '<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope>' +
    "<D:locktype><D:write/></D:locktype><D:owner>finder</D:owner></D:lockinfo>";
  const locked = await davCurl([
    "-X",
    "LOCK",
    "-D",
    "-",
    "--data",
    lockBody,
    davUrl(server, "/new.txt"),
  ]);
  assert.match(locked.stdout, /^HTTP\/1\.1 201/, "locking an unmapped URL creates it");
  assert.match(locked.stdout, /lock-token: <opaquelocktoken:[0-9a-f-]{36}>/i);
  const token = /opaquelocktoken:[0-9a-f-]{36}/.exec(locked.stdout)![0];
  assert.equal(
    await code(["-X", "UNLOCK", "-H", `Lock-Token: <${token}>`, davUrl(server, "/new.txt")]),
    "204",
  );
  assert.equal(await code(["-X", "DELETE", davUrl(server, "/docs2/")]), "204");
  assert.equal(await code([davUrl(server, "/docs2/b.bin")]), "404");
  const options = await davCurl([
    "-X",
    "OPTIONS",
    "-D",
    "-",
    "-o",
    "/dev/null",
    davUrl(server, "/"),
  ]);
  assert.match(options.stdout, /^dav: 1, 2\r$/im);
  const noAuth = await curl(["-D", "-", "-o", "/dev/null", davUrl(server, "/")]);
  assert.match(noAuth.stdout, /^HTTP\/1\.1 401/);
  assert.match(noAuth.stdout, /^www-authenticate: Basic realm="ftpx", charset="UTF-8"\r$/im);
  const wrong = await curl([
    "-u",
    "alice:wrong",
    "-w",
    "%{http_code}",
    "-o",
    "/dev/null",
    davUrl(server, "/"),
  ]);
  assert.equal(wrong.stdout, "401");
});

Deno.test("WebDAV: a PUT over quota is 507 before any data is stored", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE, ["--quota", "100K"]);
  await using dir = await tempDir();
  const big = join(dir.path, "big.bin");
  await Deno.writeFile(big, bytes(200 * 1024, 1));
  const put = await davCurl([
    "-T",
    big,
    "-w",
    "%{http_code}",
    "-o",
    "/dev/null",
    davUrl(server, "/big.bin"),
  ]);
  assert.equal(put.stdout, "507");
  const props = await davCurl(["-X", "PROPFIND", "-H", "Depth: 1", davUrl(server, "/")]);
  assert.match(props.stdout, /<D:quota-used-bytes>0<\/D:quota-used-bytes>/);
  assert.doesNotMatch(props.stdout, /big\.bin/);
  assert.deepEqual(await digests(server.home("alice")), {}, "nothing stored, not even a partial");
});

Deno.test("WebDAV traversal: hostile paths, encoded (%2e%2e, %2f, backslashes, NUL), stay in the home", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  const scene = await setUpTraversal(server.dataDir, server.home("alice"), server.home("bob"));
  const encodings = (path: string) => [
    path,
    path.replaceAll("/", "%2f"),
    path.replaceAll(".", "%2e"),
    path.replaceAll("/", "\\"),
    path.replaceAll("/", "%5c"),
    `${path}%00`,
    `${path}/%00/x`,
  ];
  const targets = new Set<string>();
  for (const path of HOSTILE_PATHS) for (const encoded of encodings(path)) targets.add(encoded);
  for (const target of targets) {
    await scene.plantLinks();
    const url = `http://127.0.0.1:${server.httpPort}/dav/${target}`;
    const requests = [
      ["-X", "GET"],
      ["-X", "PROPFIND", "-H", "Depth: 1"],
      ["-X", "PUT", "--data", "planted"],
      ["-X", "MKCOL"],
      ["-X", "MOVE", "-H", `Destination: ${url}/../moved`],
      ["-X", "COPY", "-H", `Destination: ${url}-copy`],
      ["-X", "DELETE"],
    ];
    for (const args of requests) {
      const answer = await davCurl(["--path-as-is", "-w", "\n%{http_code}", ...args, url]);
      const status = Number(answer.stdout.slice(answer.stdout.lastIndexOf("\n") + 1));
      assert.ok(
        status > 0 && status < 500,
        `${args[1]} ${target}: ${answer.stdout} ${answer.stderr}`,
      );
      assert.doesNotMatch(answer.stdout, /secret/, `${args[1]} ${target} read a file outside`);
      if (!target.includes(SENTINEL)) {
        assert.doesNotMatch(
          answer.stdout,
          new RegExp(SENTINEL),
          `${args[1]} ${target} listed outside`,
        );
      }
    }
  }
  await scene.assertUntouched();
});
