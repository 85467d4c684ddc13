/**
 * The HTTP front end to end, against the real server with real sockets:
 * startup rules, browser sessions (cookie flags, logout, several threads),
 * CSRF and Origin checks, security headers, uploads that resume from the
 * server's offset, Range downloads (and `curl -C -`), quota refusals, the
 * admin API ending another front's session, metrics, and traversal.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { curl, RawFtpClient, TEST_CERT, TLS_INI } from "./_ftp.ts";
import { bytes, fileSha256, sha256 } from "./_data.ts";
import { startHttpServer, WebClient } from "./_http.ts";
import { runFtpx, tempDir } from "./_spawn.ts";
import { HOSTILE_PATHS, SENTINEL, setUpTraversal } from "./_traversal.ts";

const ALICE = "alice-password-1";

function base(server: { httpPort: number }): string {
  return `http://127.0.0.1:${server.httpPort}`;
}

Deno.test("serve: --http-port on another listener's port is a usage error; plain HTTP off loopback is refused", async () => {
  await using dir = await tempDir();
  const same = await runFtpx([
    "serve",
    "--port",
    "42311",
    "--http-port",
    "42311",
    "--data",
    dir.path,
  ]);
  assert.equal(same.code, 2, same.stderr);
  assert.match(same.stderr, /--port and --http-port are both 42311: give each listener a port/);
  const open = await runFtpx([
    "serve",
    "--host",
    "0.0.0.0",
    "--port",
    "0",
    "--http-port",
    "0",
    "--data",
    dir.path,
  ]);
  assert.notEqual(open.code, 0);
  assert.match(open.stderr, /HTTP without TLS on 0\.0\.0\.0 .*http_insecure/);
});

Deno.test("login: one answer for a wrong password and an unknown user; an HttpOnly SameSite=Strict cookie; logout ends the session on the server", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  const web = new WebClient(base(server));
  const wrong = await web.login("alice", "not-the-password");
  const unknown = await web.login("nobody", "not-the-password");
  assert.equal(wrong.status, 401);
  assert.equal(unknown.status, 401);
  assert.deepEqual(wrong.body, unknown.body);
  assert.equal(wrong.body.error, "Login incorrect");
  const ok = await web.login("alice", ALICE);
  assert.equal(ok.status, 200);
  const cookie = ok.headers.get("set-cookie")!;
  assert.match(cookie, /^ftpx_session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict$/);
  assert.deepEqual(ok.body.usage, { used: 0, quota: 0, reserved: 0 });
  const stolen = web.cookie;
  assert.equal((await web.get("/api/me")).status, 200);
  assert.equal((await web.post("/api/logout", {})).status, 200);
  const replay = new WebClient(base(server));
  replay.cookie = stolen;
  const after = await replay.get("/api/me");
  assert.equal(after.status, 401, "a logged-out cookie must not work");
  await server.waitForLog(/login ok peer=\S+ user=alice protocol=http/);
  await server.waitForLog(/login failed peer=\S+ user=nobody protocol=http/);
});

Deno.test("CSRF: a state change needs the session's token and a same-origin request", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  const web = new WebClient(base(server));
  await web.login("alice", ALICE);
  const noToken = await web.request("POST", "/api/mkdir", { json: { path: "/a" }, csrf: false });
  assert.equal(noToken.status, 403);
  assert.match(noToken.body.error, /x-ftpx-csrf/);
  const csrf = web.csrf;
  web.csrf = "x".repeat(43);
  assert.equal((await web.post("/api/mkdir", { path: "/a" })).status, 403);
  web.csrf = csrf;
  const foreign = await web.request("POST", "/api/mkdir", {
    json: { path: "/a" },
    headers: { origin: "https://evil.example" },
  });
  assert.equal(foreign.status, 403);
  const crossSite = await web.request("POST", "/api/mkdir", {
    json: { path: "/a" },
    headers: { "sec-fetch-site": "cross-site" },
  });
  assert.equal(crossSite.status, 403);
  const form = await web.request("POST", "/api/mkdir", {
    body: "path=/a",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(form.status, 400, "a form post (no preflight) is not JSON: refused");
  const good = await web.request("POST", "/api/mkdir", {
    json: { path: "/a" },
    headers: { origin: base(server) },
  });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  assert.deepEqual(
    (await web.get("/api/list?path=/")).body.entries.map((e: { name: string }) => e.name),
    ["a"],
  );
});

Deno.test("headers: a strict CSP on the app; a user's HTML file is always an attachment under a sandbox", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  const page = await fetch(base(server) + "/");
  const html = await page.text();
  assert.match(html, /<script src="\/app\.js" defer><\/script>/);
  assert.doesNotMatch(html, /<script>|style=/, "no inline script or style");
  const csp = page.headers.get("content-security-policy")!;
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  const web = new WebClient(base(server));
  await web.login("alice", ALICE);
  const evil = new TextEncoder().encode("<script>alert(document.cookie)</script>");
  assert.equal((await web.upload("/evil.html", evil)).status, 200);
  const got = await web.get("/api/download?path=/evil.html");
  assert.equal(got.status, 200);
  assert.equal(got.headers.get("content-type"), "application/octet-stream");
  assert.match(got.headers.get("content-disposition")!, /^attachment; filename="evil.html"/);
  assert.match(got.headers.get("content-security-policy")!, /sandbox/);
  assert.equal(got.headers.get("x-content-type-options"), "nosniff");
});

Deno.test("upload: a cut upload keeps its hidden partial, resumes from the server's offset, and appears only once complete", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  const web = new WebClient(base(server));
  await web.login("alice", ALICE);
  const data = bytes(3 * 1024 * 1024 + 17, 5);
  const query = `path=/big.bin&size=${data.length}&source=s1`;
  assert.equal((await web.get(`/api/upload?${query}`)).body.offset, 0);
  const half = 1024 * 1024 + 3;
  // The body ends early, as when a browser tab is closed mid-upload.
  const cut = await web.request("PUT", `/api/upload?${query}&offset=0`, {
    body: new ReadableStream({
      start(controller) {
        controller.enqueue(data.slice(0, half));
        controller.close();
      },
    }),
  });
  assert.equal(cut.status, 400, JSON.stringify(cut.body));
  assert.match(cut.body.error, /cut at byte 1048579/);
  const listed = await web.get("/api/list?path=/");
  assert.deepEqual(listed.body.entries, [], "no file under its name before it is complete");
  const where = await web.get(`/api/upload?${query}`);
  assert.equal(where.body.offset, half);
  const rest = await web.request("PUT", `/api/upload?${query}&offset=${half}`, {
    body: data.slice(half),
  });
  assert.equal(rest.status, 200, JSON.stringify(rest.body));
  assert.equal(rest.body.sha256, sha256(data));
  assert.equal(await fileSha256(join(server.home("alice"), "big.bin")), sha256(data));
  // Another source of the same name starts over instead of splicing two files.
  assert.equal((await web.get(`/api/upload?path=/big.bin&size=10&source=s2`)).body.offset, 0);
});

Deno.test("download: Range answers 206 with Content-Range, 416 past the end; curl -C - resumes a cut download", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  const web = new WebClient(base(server));
  await web.login("alice", ALICE);
  const data = bytes(2 * 1024 * 1024 + 5, 9);
  await web.upload("/file.bin", data);
  const part = await fetch(base(server) + "/api/download?path=/file.bin", {
    headers: { cookie: web.cookie, range: "bytes=100-199" },
  });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 100-199/${data.length}`);
  assert.deepEqual(new Uint8Array(await part.arrayBuffer()), data.slice(100, 200));
  const past = await fetch(base(server) + "/api/download?path=/file.bin", {
    headers: { cookie: web.cookie, range: `bytes=${data.length}-` },
  });
  await past.body?.cancel();
  assert.equal(past.status, 416);
  await using dir = await tempDir();
  const local = join(dir.path, "file.bin");
  await Deno.writeFile(local, data.slice(0, 700_000));
  const resumed = await curl([
    "-C",
    "-",
    "-o",
    local,
    "-H",
    `Cookie: ${web.cookie}`,
    "-w",
    "%{http_code}",
    `${base(server)}/api/download?path=/file.bin`,
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.stdout, "206");
  assert.equal(await fileSha256(local), sha256(data));
  await server.waitForLog(
    /download peer=\S+ user=alice path=\/file\.bin offset=700000 bytes=\d+ ms=\d+ result=complete protocol=http/,
  );
});

Deno.test("quota: an upload that cannot fit is refused with 507 before any data, and says what is used and allowed", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE, ["--quota", "1M"]);
  const web = new WebClient(base(server));
  await web.login("alice", ALICE);
  const data = bytes(1024 * 1024 + 1, 2);
  const asked = await web.get(`/api/upload?path=/big.bin&size=${data.length}&source=q`);
  assert.equal(asked.status, 507);
  assert.equal(asked.body.kind, "quota_exceeded");
  assert.match(asked.body.error, /quota/i);
  const forced = await web.request(
    "PUT",
    `/api/upload?path=/big.bin&size=${data.length}&source=q&offset=0`,
    {
      body: data.slice(),
    },
  );
  assert.equal(forced.status, 507);
  const me = await web.get("/api/me");
  assert.deepEqual(me.body.usage, { used: 0, quota: 1024 * 1024, reserved: 0 });
});

Deno.test("admin: accounts over the API; disabling a user ends their open FTP session; ending a session from the list; the actions are listed", async () => {
  await using server = await startHttpServer({ args: ["--ftp-port", "0"] });
  await server.addUser("bob", "bob-password-1");
  const admin = new WebClient(base(server));
  assert.equal((await admin.login("admin", server.adminPassword)).status, 200);
  const bobWeb = new WebClient(base(server));
  await bobWeb.login("bob", "bob-password-1");
  assert.equal((await bobWeb.get("/api/admin/users")).status, 403, "not for a plain user");
  const created = await admin.post("/api/admin/users", {
    name: "carol",
    password: "carol-password-1",
    quota: "10M",
  });
  assert.equal(created.status, 200, JSON.stringify(created.body));
  assert.equal(created.body.user.quota, 10 * 1024 * 1024);
  const { client: ftp } = await RawFtpClient.connect(server.ftpPort!);
  await using _ftp = ftp;
  assert.match(await ftp.command("USER carol"), /^331/);
  assert.match(await ftp.command("PASS carol-password-1"), /^230/);
  const sessions = await admin.get("/api/admin/sessions");
  const protocols = sessions.body.sessions.map((s: { user: string; protocol: string }) =>
    `${s.user}/${s.protocol}`
  ).sort();
  assert.deepEqual(protocols, ["admin/http", "bob/http", "carol/ftp"]);
  assert.equal(
    (await admin.post("/api/admin/users/disable", { name: "carol", disabled: true })).status,
    200,
  );
  const ended = await ftp.command("PWD");
  assert.match(ended, /^421 .*carol.* was disabled/);
  assert.ok(await ftp.closedByServer());
  // Ending one session by id, here bob's browser session.
  const bobSession = (await admin.get("/api/admin/sessions")).body.sessions.find((
    s: { user: string },
  ) => s.user === "bob");
  assert.equal((await admin.post("/api/admin/sessions/end", { id: bobSession.id })).status, 200);
  const bobAfter = await bobWeb.get("/api/me");
  assert.equal(bobAfter.status, 401);
  assert.match(bobAfter.body.error, /ended by an administrator/);
  assert.equal(
    (await admin.post("/api/admin/users/disable", { name: "admin", disabled: true })).status,
    403,
  );
  assert.equal(
    (await admin.post("/api/admin/users/delete", { name: "carol", purge: true })).status,
    200,
  );
  const actions = (await admin.get("/api/admin/actions")).body.actions.map((
    a: { action: string; target: string },
  ) => `${a.action} ${a.target}`);
  assert.deepEqual(actions, ["deluser carol", "endsession bob", "disable carol", "adduser carol"]);
  await server.waitForLog(/admin action by=admin peer=\S+ action=deluser target=carol purge=true/);
});

Deno.test("metrics: off by default; on, a Prometheus page counting sessions by front, logins, bytes and latency", async () => {
  {
    await using off = await startHttpServer();
    const page = await fetch(base(off) + "/metrics");
    await page.body?.cancel();
    assert.equal(page.status, 404);
  }
  await using server = await startHttpServer({
    ini: "metrics = true\n",
    args: ["--ftp-port", "0"],
  });
  await server.addUser("alice", ALICE);
  const web = new WebClient(base(server));
  await web.login("alice", "wrong-password");
  await web.login("alice", ALICE);
  const data = bytes(300_000, 4);
  await web.upload("/m.bin", data);
  await (await fetch(base(server) + "/api/download?path=/m.bin", {
    headers: { cookie: web.cookie },
  })).arrayBuffer();
  const { client: ftp } = await RawFtpClient.connect(server.ftpPort!);
  await using _ftp = ftp;
  const response = await fetch(base(server) + "/metrics");
  assert.match(response.headers.get("content-type")!, /^text\/plain; version=0\.0\.4/);
  const samples = parsePrometheus(await response.text());
  assert.equal(samples.get('ftpx_sessions{protocol="http"}'), 1);
  assert.equal(samples.get('ftpx_sessions{protocol="ftp"}'), 1);
  assert.equal(samples.get('ftpx_logins_total{result="ok"}'), 1);
  assert.equal(samples.get('ftpx_logins_total{result="failed"}'), 1);
  assert.equal(
    samples.get('ftpx_transfer_bytes_total{protocol="http",direction="in"}'),
    data.length,
  );
  assert.equal(
    samples.get('ftpx_transfer_bytes_total{protocol="http",direction="out"}'),
    data.length,
  );
  assert.equal(samples.get('ftpx_transfers_in_flight{protocol="http"}'), 0);
  const count = samples.get('ftpx_request_duration_seconds_count{protocol="http"}')!;
  assert.ok(count >= 5, `only ${count} requests counted`);
  assert.equal(
    samples.get('ftpx_request_duration_seconds_bucket{protocol="http",le="+Inf"}'),
    count,
  );
  assert.ok(samples.has("ftpx_event_loop_lag_seconds"));
});

/** Parses the Prometheus text format strictly enough to catch a malformed line. */
function parsePrometheus(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const match = /^([a-z_]+(?:\{[a-z_]+="[^"]*"(?:,[a-z_]+="[^"]*")*\})?) (-?[0-9.e+-]+)$/.exec(
      line,
    );
    assert.ok(match, `malformed metrics line: ${line}`);
    samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

Deno.test("threads: a browser session works on every server thread (sessions live in the store)", async () => {
  await using server = await startHttpServer({ ini: "workers = 3\n" });
  await server.addUser("alice", ALICE);
  const web = new WebClient(base(server));
  await web.login("alice", ALICE);
  for (let index = 0; index < 24; index++) {
    // A fresh connection each time, so the kernel spreads them over the threads.
    using client = Deno.createHttpClient({ poolMaxIdlePerHost: 0 });
    const response = await fetch(base(server) + "/api/me", {
      headers: { cookie: web.cookie },
      client,
    });
    await response.body?.cancel();
    assert.equal(response.status, 200, `request ${index} refused`);
  }
});

Deno.test("TLS: HTTPS with the server's certificate; the cookie is __Host- and Secure", async () => {
  await using server = await startHttpServer({ ini: TLS_INI });
  await server.addUser("alice", ALICE);
  // curl, not fetch: Deno's verifier refuses the self-signed test certificate (a CA as end entity).
  const login = await curl([
    "--cacert",
    TEST_CERT,
    "-D",
    "-",
    "-o",
    "/dev/null",
    "-H",
    "content-type: application/json",
    "--data",
    JSON.stringify({ user: "alice", password: ALICE }),
    `https://127.0.0.1:${server.httpPort}/api/login`,
  ]);
  assert.equal(login.code, 0, login.stderr);
  assert.match(login.stdout, /^HTTP\/[12](\.1)? 200/);
  const cookie = /^set-cookie: (.*)\r$/im.exec(login.stdout)?.[1];
  assert.match(
    cookie ?? "",
    /^__Host-ftpx=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Secure$/,
  );
  const me = await curl([
    "--cacert",
    TEST_CERT,
    "-H",
    `Cookie: ${cookie!.split(";")[0]}`,
    `https://127.0.0.1:${server.httpPort}/api/me`,
  ]);
  assert.equal(JSON.parse(me.stdout).user, "alice");
  const plain = await curl([
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    `http://127.0.0.1:${server.httpPort}/`,
  ]);
  assert.notEqual(plain.stdout, "200", "no plaintext HTTP on the HTTPS port");
});

Deno.test("traversal: hostile paths in every API route stay in the home", async () => {
  await using server = await startHttpServer();
  await server.addUser("alice", ALICE);
  const scene = await setUpTraversal(server.dataDir, server.home("alice"), server.home("bob"));
  const web = new WebClient(base(server));
  await web.login("alice", ALICE);
  const paths = [...HOSTILE_PATHS, "..\\..\\bob", "a\0b", "/%00", "inside/\\..\\..\\bob"];
  for (const path of paths) {
    await scene.plantLinks();
    const q = encodeURIComponent(path);
    const answers = [
      await web.get(`/api/list?path=${q}`),
      await web.get(`/api/download?path=${q}`),
      await web.post("/api/mkdir", { path: `${path}/x` }),
      await web.post("/api/rename", { from: "inside", to: path }),
      await web.post("/api/rename", { from: path, to: "stolen" }),
      await web.post("/api/delete", { path }),
      await web.upload(`${path}/up.txt`, new TextEncoder().encode("up")),
    ];
    for (const answer of answers) {
      const text = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
      if (!path.includes(SENTINEL)) {
        assert.doesNotMatch(text, new RegExp(SENTINEL), `${path} leaked`);
      }
      assert.doesNotMatch(text, /secret/, `${path} leaked a file`);
      assert.ok(answer.status < 500, `${path}: ${answer.status} ${text}`);
    }
    await web.post("/api/rename", { from: "stolen", to: "inside" });
  }
  await scene.assertUntouched();
});
