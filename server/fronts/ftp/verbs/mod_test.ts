import assert from "node:assert/strict";
import { parseCommand, VERBS } from "./mod.ts";
import { stripLsOptions } from "./_list_target.ts";

Deno.test("parseCommand() upper-cases the verb and keeps the argument verbatim", () => {
  assert.deepEqual(parseCommand("retr  my file.txt "), { name: "RETR", arg: " my file.txt " });
  assert.deepEqual(parseCommand("pwd"), { name: "PWD", arg: "" });
  assert.deepEqual(parseCommand(""), { name: "", arg: "" });
});

Deno.test("VERBS holds every alias, and before login only the vsftpd-like minimal set", () => {
  assert.equal(VERBS.get("XPWD"), VERBS.get("PWD"));
  assert.equal(VERBS.get("XCUP"), VERBS.get("CDUP"));
  const preLogin = [...VERBS.entries()].filter(([, verb]) => verb.auth === "none").map(([name]) =>
    name
  ).sort();
  assert.deepEqual(preLogin, [
    "AUTH",
    "FEAT",
    "HELP",
    "NOOP",
    "OPTS",
    "PASS",
    "PBSZ",
    "PROT",
    "QUIT",
    "SYST",
    "USER",
  ]);
});

Deno.test("VERBS: only data verbs need a data connection, only control verbs run during one", () => {
  const data = [...VERBS.values()].filter((verb) => verb.data).map((verb) => verb.name).sort();
  assert.deepEqual(data, ["APPE", "LIST", "MLSD", "NLST", "RETR", "STOR"]);
  const during = [...VERBS.values()].filter((verb) => verb.duringTransfer).map((verb) => verb.name);
  assert.deepEqual(during.sort(), ["ABOR", "NOOP", "QUIT", "STAT"]);
});

Deno.test("stripLsOptions() drops ls flags clients send with LIST", () => {
  assert.equal(stripLsOptions("-la"), "");
  assert.equal(stripLsOptions("-a -l docs"), "docs");
  assert.equal(stripLsOptions("-al my dir"), "my dir");
  assert.equal(stripLsOptions("docs/-x"), "docs/-x");
  assert.equal(stripLsOptions("./-weird"), "./-weird");
});
