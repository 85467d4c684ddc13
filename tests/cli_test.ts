/** The command line itself: help, version, usage errors and their exit codes. */

import assert from "node:assert/strict";
import { join } from "node:path";
import { FTPX_VERSION } from "../protocol/version.ts";
import { runFtpx, tempDir } from "./_spawn.ts";

const SUBCOMMANDS = [
  "serve",
  "connect",
  "adduser",
  "passwd",
  "users",
  "deluser",
  "quota",
  "disable",
  "enable",
  "du",
  "cert",
];

/** A usage error: exit 2, nothing on stdout, one line on stderr pointing at the help. */
function assertUsageError(
  result: { code: number; stdout: string; stderr: string },
  hint: RegExp,
  label: string,
): void {
  assert.equal(result.code, 2, `${label}: ${result.stderr}`);
  assert.equal(result.stdout, "", label);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 1, `${label} printed more than one line:\n${result.stderr}`);
  assert.match(lines[0]!, /^error: /, label);
  assert.match(lines[0]!, hint, label);
}

Deno.test("ftpx --help lists every subcommand and exits 0", async () => {
  for (const flag of ["--help", "-h", "help"]) {
    const result = await runFtpx([flag]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ftpx \S+: a multi-user file server/);
    assert.match(result.stdout, /Usage: ftpx <command> \[options\]/);
    for (const name of SUBCOMMANDS) assert.match(result.stdout, new RegExp(`^  ${name} `, "m"));
  }
});

Deno.test("ftpx without a command shows the usage on stderr and exits 2", async () => {
  const result = await runFtpx([]);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, "");
  assert.match(result.stderr, /Usage: ftpx <command>/);
});

Deno.test("ftpx --version prints the version", async () => {
  for (const flag of ["--version", "-V"]) {
    const result = await runFtpx([flag]);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `ftpx ${FTPX_VERSION}\n`);
  }
});

Deno.test("ftpx CMD --help shows that command's usage and exits 0", async () => {
  const results = await Promise.all(SUBCOMMANDS.map((name) => runFtpx([name, "--help"])));
  results.forEach((result, i) => {
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Usage: ftpx ${SUBCOMMANDS[i]}`));
    assert.match(result.stdout, /-h, --help/);
  });
  assert.match((await runFtpx(["connect", "-h"])).stdout, /-c, --command CMDS/);
});

Deno.test("an unknown command exits 2 with a one-line hint", async () => {
  assertUsageError(
    await runFtpx(["frobnicate"]),
    /unknown command "frobnicate": expected one of serve, connect.* \(see "ftpx --help"\)/,
    "unknown command",
  );
});

Deno.test("bad flags and arguments exit 2 with a one-line hint naming the command's help", async () => {
  const cases: [string[], RegExp][] = [
    [["serve", "--bogus"], /^error: Unknown option "--bogus" \(see "ftpx serve --help"\)$/],
    [["serve", "--port", "70000"], /Invalid port "70000".*\(see "ftpx serve --help"\)/],
    [["serve", "--port", "http"], /Invalid port "http"/],
    [["serve", "extra"], /Unexpected argument "extra"/],
    [["serve", "--port"], /^error: Missing value for --port \(see "ftpx serve --help"\)$/],
    [["connect", "-c"], /^error: Missing value for -c, --command \(see "ftpx connect --help"\)$/],
    [
      ["users", "--json=yes"],
      /^error: Option "--json" takes no value \(see "ftpx users --help"\)$/,
    ],
    [
      ["serve", "--log-level", "loud"],
      /^error: Invalid --log-level "loud": expected one of debug, info, warn, error \(see "ftpx serve --help"\)$/,
    ],
    [["serve", "--host", ""], /^error: Invalid --host "": expected a value/],
    [
      ["users", "--data", ""],
      /^error: Invalid --data "": expected a value \(see "ftpx users --help"\)$/,
    ],
    [["connect", "-P", "port"], /Invalid port "port": .*\(see "ftpx connect --help"\)/],
    [["connect", "-x"], /^error: Unknown option "-x" \(see "ftpx connect --help"\)$/],
    [["connect", "-H", "", "-u", "a"], /^error: Invalid host "": expected a value/],
    [
      ["connect", "-P", "0", "-u", "a"],
      /^error: Invalid port "0": expected a number from 1 to 65535/,
    ],
    [["connect", "-u", ""], /^error: Invalid user "": expected a value/],
    [["connect", "-u", "a", "stray"], /Unexpected argument "stray"/],
    [["connect", "-P", "1"], /Missing -u USER/], // no terminal to ask for it
    [["adduser"], /Missing NAME \(see "ftpx adduser --help"\)/],
    [["adduser", "Bad!Name"], /Invalid user name "Bad!Name"/],
    [["adduser", "bob", "--quota", "lots"], /Invalid size "lots"/],
    [["adduser", "bob", "carol"], /Unexpected argument "carol"/],
    [["passwd"], /Missing NAME \(see "ftpx passwd --help"\)/],
    [["users", "extra"], /Unexpected argument "extra" \(see "ftpx users --help"\)/],
    [["users", "--jsn"], /Unknown option "--jsn"/],
  ];
  const results = await Promise.all(cases.map(([args]) => runFtpx(args)));
  results.forEach((result, i) => assertUsageError(result, cases[i]![1], cases[i]![0].join(" ")));
});

Deno.test("connect without a password source and no terminal says how to give one, exit 2", async () => {
  // Refused before connecting: a listener that hangs up on anyone makes a late check fail fast.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const hangUp = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    const result = await runFtpx(["connect", "-P", String(listener.addr.port), "-u", "alice"]);
    assertUsageError(
      result,
      /No password: use --password-stdin, set FTPX_PASSWORD, or run on a terminal/,
      "no password",
    );
  } finally {
    listener.close();
    await hangUp;
  }
});

Deno.test("connect to a port where nothing listens fails with exit 1 and says what to check", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const result = await runFtpx(["connect", "-P", String(port), "-u", "alice"], {
    env: { FTPX_PASSWORD: "x" },
  });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    `error: Cannot connect to 127.0.0.1:${port}: connection refused (is the server running? check -H and -P)\n`,
  );
});

Deno.test("connect to a host name that does not resolve says so, exit 1", async () => {
  // .invalid never resolves (RFC 6761), online or offline.
  const result = await runFtpx(["connect", "-H", "no-such-host.invalid", "-u", "alice"], {
    env: { FTPX_PASSWORD: "x" },
  });
  assert.equal(result.code, 1);
  assert.equal(
    result.stderr,
    "error: Cannot connect to no-such-host.invalid:2121: unknown host (check -H)\n",
  );
});

Deno.test("serve stops on an unknown config key or a bad value, naming the key", async () => {
  await using dir = await tempDir();
  const cases: [string, RegExp][] = [
    ["prot = 2121\n", /unknown option "prot"/],
    ["idle_timeout = soon\n", /invalid value "soon" for "idle_timeout"/],
    ["[server]\nport = 1\n", /sections are not supported/],
  ];
  for (const [ini, pattern] of cases) {
    const config = join(dir.path, "server.ini");
    await Deno.writeTextFile(config, ini);
    const result = await runFtpx([
      "serve",
      "--config",
      config,
      "--data",
      join(dir.path, "data"),
      "--port",
      "0",
    ]);
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stdout, "");
    assert.match(result.stderr, new RegExp(`^error: ${config}: `));
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.trimEnd().split("\n").length, 1, result.stderr);
  }
  const missing = await runFtpx(["serve", "--config", join(dir.path, "nope.ini"), "--port", "0"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^error: Cannot read config file ".*nope\.ini": not found\n$/);
});

Deno.test("serve reads conf/server.ini from the current directory", async () => {
  await using dir = await tempDir();
  await Deno.mkdir(join(dir.path, "conf"));
  await Deno.writeTextFile(join(dir.path, "conf", "server.ini"), "workers = many\n");
  const result = await runFtpx(["serve", "--port", "0"], { cwd: dir.path });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: conf\/server\.ini: invalid value "many" for "workers"/);
});

Deno.test("connect to a server that is not ftpx (an FTP banner) says so, exit 1", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("220 Welcome to some FTP server\r\n"));
    await conn.read(new Uint8Array(1024)).catch(() => null); // until the client gives up
    conn.close();
  })();
  try {
    const port = listener.addr.port;
    const result = await runFtpx(["connect", "-P", String(port), "-u", "alice"], {
      env: { FTPX_PASSWORD: "x" },
    });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `error: 127.0.0.1:${port} does not speak the ftpx protocol (another kind of server? check -H and -P)\n`,
    );
  } finally {
    await served;
    listener.close();
  }
});

Deno.test("connect names an IPv6 server as [::1]:PORT and takes -H [::1] as typed", async () => {
  const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = free.addr.port;
  free.close();
  for (const host of ["::1", "[::1]"]) {
    const result = await runFtpx([
      "connect",
      "-H",
      host,
      "-P",
      String(port),
      "-u",
      "a",
      "-c",
      "pwd",
    ], {
      env: { FTPX_PASSWORD: "x" },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, new RegExp(`^error: Cannot connect to \\[::1\\]:${port}: `));
  }
});
