import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parse as parseIni } from "ini";
import { UsageError } from "../../cli/errors.ts";
import { CONFIG_TABLE, ConfigError, defaultConfig, loadConfig, protRequired } from "./config.ts";

const SHIPPED_INI = fileURLToPath(new URL("../../conf/server.ini", import.meta.url));

/** Writes `text` to a temporary INI file and loads it with `overrides`. */
async function loadWith(text: string, overrides: Record<string, string | undefined> = {}) {
  const dir = await Deno.makeTempDir({ prefix: "ftpx-config-" });
  try {
    const configPath = join(dir, "server.ini");
    await Deno.writeTextFile(configPath, text);
    return await loadConfig({ configPath, overrides });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function assertConfigError(text: string, pattern: RegExp, overrides = {}): Promise<void> {
  await assert.rejects(loadWith(text, overrides), (error: unknown) => {
    assert.ok(error instanceof ConfigError, String(error));
    assert.match(error.message, pattern);
    return true;
  });
}

Deno.test("loadConfig() uses built-in defaults for an empty file", async () => {
  assert.deepEqual(await loadWith(""), defaultConfig());
  // The defaults the issue names (other options are checked against conf/server.ini below).
  const { host, port, dataDir, logLevel } = defaultConfig();
  assert.deepEqual({ host, port, dataDir, logLevel }, {
    host: "127.0.0.1",
    port: 2121,
    dataDir: "./ftpx-data",
    logLevel: "info",
  });
});

Deno.test("loadConfig() lets the INI file override defaults, and flags override both", async () => {
  const ini = "port = 3000\ndata = /srv/ftpx\nlog_level = warn\ndefault_quota = 2G\n";
  const fromFile = await loadWith(ini);
  assert.equal(fromFile.port, 3000);
  assert.equal(fromFile.dataDir, "/srv/ftpx");
  assert.equal(fromFile.logLevel, "warn");
  assert.equal(fromFile.defaultQuota, 2 * 1024 ** 3);
  assert.equal(fromFile.host, "127.0.0.1"); // not in the file: the default

  const withFlags = await loadWith(ini, { port: "4000", log_level: "debug", host: undefined });
  assert.equal(withFlags.port, 4000);
  assert.equal(withFlags.logLevel, "debug");
  assert.equal(withFlags.dataDir, "/srv/ftpx"); // no flag: the file's value
  assert.equal(withFlags.host, "127.0.0.1"); // an absent flag changes nothing
});

Deno.test("loadConfig() strips inline comments and surrounding spaces", async () => {
  const config = await loadWith("; comment\n# comment\n  port =  2222   ; the port\n");
  assert.equal(config.port, 2222);
});

Deno.test("loadConfig() stops on an unknown key, naming it and the file", async () => {
  await assertConfigError("prot = 21\n", /server\.ini: unknown option "prot"/);
  await assertConfigError("port = 21\nPort = 22\n", /unknown option "Port"/);
  // Overrides come from code, keyed by INI key: an unknown one is a bug, not a user's mistake.
  await assert.rejects(loadConfig({ overrides: { bogus: "1" } }), TypeError);
});

Deno.test("loadConfig() stops on a bad value, naming the key, the value and what is expected", async () => {
  const cases: [string, RegExp][] = [
    ["port = 99999", /invalid value "99999" for "port": expected a whole number from 0 to 65535/],
    ["port = abc", /invalid value "abc" for "port"/],
    ["port = -1", /invalid value "-1" for "port"/],
    ["port = 21.5", /invalid value "21.5" for "port"/],
    ["port = 0x50", /invalid value "0x50" for "port"/],
    ["port =", /invalid value "" for "port"/],
    ["port", /invalid value "true" for "port"/], // the ini package reads a bare key as true
    ["host =", /invalid value "" for "host": expected a value/],
    ["data =", /invalid value "" for "data"/],
    ["log_level = loud", /"log_level": expected one of debug, info, warn, error/],
    ["log_level = INFO", /invalid value "INFO" for "log_level"/],
    ["workers = 65", /invalid value "65" for "workers"/],
    ["workers = many", /invalid value "many" for "workers"/],
    ["default_quota = lots", /invalid value "lots" for "default_quota"/],
    ["default_quota = -5M", /invalid value "-5M" for "default_quota"/],
    ["idle_timeout = 0", /invalid value "0" for "idle_timeout"/],
    ["idle_timeout = 86401", /invalid value "86401" for "idle_timeout"/],
  ];
  for (const [line, pattern] of cases) await assertConfigError(line + "\n", pattern);
});

Deno.test("loadConfig() refuses a bad flag value as a usage error naming the flag", async () => {
  await assert.rejects(loadWith("", { log_level: "loud" }), (error: unknown) => {
    assert.ok(error instanceof UsageError, String(error));
    assert.equal(
      error.message,
      'Invalid --log-level "loud": expected one of debug, info, warn, error',
    );
    return true;
  });
});

Deno.test("loadConfig() refuses INI sections", async () => {
  await assertConfigError("[server]\nport = 21\n", /sections are not supported \("\[server\]"\)/);
});

Deno.test("loadConfig() reports a named config file that is missing", async () => {
  await assert.rejects(
    loadConfig({ configPath: "/nonexistent/ftpx.ini" }),
    /Cannot read config file "\/nonexistent\/ftpx\.ini": not found/,
  );
});

Deno.test("the shipped conf/server.ini sets every option to exactly its default", async () => {
  assert.deepEqual(await loadConfig({ configPath: SHIPPED_INI }), defaultConfig());
});

Deno.test("the shipped conf/server.ini names every option of CONFIG_TABLE, each under a comment", async () => {
  const text = await Deno.readTextFile(SHIPPED_INI);
  const keys = Object.keys(parseIni(text)).sort();
  const tableKeys = Object.values(CONFIG_TABLE).map((spec) => spec.key).sort();
  assert.deepEqual(keys, tableKeys);
  const lines = text.split("\n");
  for (const key of tableKeys) {
    let index = lines.findIndex((line) => line.startsWith(`${key} =`));
    assert.ok(index > 0, `${key} is not set on a line of its own`);
    // A comment heads each group of related keys.
    while (index > 0 && /^[a-z_]+ =/.test(lines[index - 1]!)) index--;
    assert.match(lines[index - 1] ?? "", /^;/, `${key} has no comment above it`);
  }
});

Deno.test("require_prot_p is auto, true or false; auto follows require_tls", async () => {
  const cases: [string, boolean][] = [
    ["", true],
    ["require_tls = false\n", false],
    ["require_prot_p = auto\nrequire_tls = false\n", false],
    ["require_prot_p = true\nrequire_tls = false\n", true],
    ["require_prot_p = off\n", false],
  ];
  for (const [ini, required] of cases) {
    assert.equal(protRequired(await loadWith(ini)), required, ini);
  }
  await assertConfigError("require_prot_p = maybe\n", /"require_prot_p": expected auto, true/);
});

Deno.test("loadConfig() takes db as a PostgreSQL URL, refusing one with a password without showing it", async () => {
  assert.equal((await loadWith("")).db, null);
  const url = "postgres://ftpx@db.example:5433/files";
  assert.equal((await loadWith(`db = ${url}`)).db, url);
  assert.equal((await loadWith("", { db: url })).db, url);
  await assertConfigError(
    "db = mysql://ftpx@db/files",
    /"db": expected postgres:\/\/USER@HOST:PORT\/DB/,
  );
  await assertConfigError("db = postgres://db.example/files", /"db": the URL names no user/);
  await assertConfigError("db = postgres://ftpx@db.example", /"db": the URL names no database/);
  for (
    const load of [
      () => loadWith("db = postgres://ftpx:s3cret@db.example/files"),
      () => loadWith("", { db: "postgres://ftpx:s3cret@db.example/files" }),
    ]
  ) {
    await assert.rejects(load, (error: unknown) => {
      assert.ok(error instanceof ConfigError || error instanceof UsageError, String(error));
      assert.match(error.message, /a password in the URL is refused.*FTPX_DB_PASSWORD/);
      assert.match(error.message, /postgres:\/\/ftpx:\*\*\*@db\.example\/files/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  }
});

Deno.test("loadConfig() takes node_id as a short name", async () => {
  assert.equal((await loadWith("")).nodeId, null);
  assert.equal((await loadWith("node_id = files-1:2121")).nodeId, "files-1:2121");
  await assertConfigError("node_id = two words", /"node_id": expected 1 to 64 of/);
});

Deno.test("proxy_protocol needs proxy_from; proxy_from takes addresses and networks", async () => {
  await assertConfigError("proxy_protocol = true\n", /"proxy_protocol" needs "proxy_from"/);
  await assertConfigError(
    "proxy_from = 10.0.0.0/33\n",
    /invalid value "10\.0\.0\.0\/33" for "proxy_from": "10\.0\.0\.0\/33": the prefix length/,
  );
  await assertConfigError("proxy_from = lb.example\n", /not an IP address or network/);
  const dir = await Deno.makeTempDir();
  try {
    const configPath = join(dir, "server.ini");
    await Deno.writeTextFile(
      configPath,
      "proxy_protocol = true\nproxy_from = 10.0.0.5, 10.0.1.0/24 2001:db8::/64\n",
    );
    const config = await loadConfig({ configPath });
    assert.equal(config.proxyProtocol, true);
    assert.deepEqual(config.proxyFrom.map((network) => network.prefix), [32, 24, 64]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
