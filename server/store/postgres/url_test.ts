import assert from "node:assert/strict";
import { describeTarget, parseDbUrl, passwordFromPgpass, redactDbUrl } from "./url.ts";

Deno.test("parseDbUrl() reads user, host, port and database, 5432 by default", () => {
  assert.deepEqual(parseDbUrl("postgres://ftpx@db.example:5433/files"), {
    host: "db.example",
    port: 5433,
    user: "ftpx",
    database: "files",
  });
  assert.equal(parseDbUrl("postgresql://ftpx@[::1]/files").port, 5432);
  assert.equal(parseDbUrl("postgresql://ftpx@[::1]/files").host, "::1");
  assert.equal(
    describeTarget(parseDbUrl("postgres://ftpx@[::1]/files")),
    "postgres://ftpx@[::1]:5432/files",
  );
});

Deno.test("parseDbUrl() refuses a password, a missing part, options", () => {
  const cases: [string, RegExp][] = [
    ["postgres://ftpx:pw@db/files", /a password in the URL is refused/],
    ["postgres://db/files", /names no user/],
    ["postgres://ftpx@db", /names no database/],
    ["postgres://ftpx@db/files?sslmode=require", /takes no options/],
    ["mysql://ftpx@db/files", /expected postgres:\/\/USER@HOST:PORT\/DB/],
  ];
  for (const [raw, pattern] of cases) {
    assert.throws(() => parseDbUrl(raw), (error: unknown) => {
      assert.ok(error instanceof RangeError);
      assert.match(error.message, pattern, raw);
      assert.doesNotMatch(error.message, /:pw@/);
      return true;
    });
  }
  assert.equal(redactDbUrl("postgres://ftpx:pw@db/files"), "postgres://ftpx:***@db/files");
  assert.equal(redactDbUrl("postgres://ftpx@db/files"), "postgres://ftpx@db/files");
});

Deno.test("passwordFromPgpass() takes the first matching line, with * and escapes", () => {
  const target = { host: "db", port: 5432, user: "ftpx", database: "files" };
  const text = [
    "# comment",
    "other:5432:files:ftpx:wrong-host",
    "db:5432:files:someone:wrong-user",
    "db:*:files:ftpx:p\\:w\\\\1",
    "*:*:*:*:fallback",
  ].join("\n");
  assert.equal(passwordFromPgpass(text, target), "p:w\\1");
  assert.equal(passwordFromPgpass(text, { ...target, user: "bob" }), "fallback");
  assert.equal(passwordFromPgpass("db:5432:files:ftpx\n", target), undefined);
});
