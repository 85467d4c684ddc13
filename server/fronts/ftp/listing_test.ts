import assert from "node:assert/strict";
import {
  formatFacts,
  formatListLine,
  formatTimeVal,
  MLST_FACTS,
  mlstFeature,
  parseTimeVal,
} from "./listing.ts";

const ALL = new Set<string>(MLST_FACTS);
const NOW = Date.UTC(2025, 5, 15, 12, 0, 0);

Deno.test("formatListLine() writes a recent file in ls -l form with the time", () => {
  const entry = {
    name: "a.txt",
    type: "file",
    size: 1234,
    mtime: Date.UTC(2025, 5, 2, 9, 5),
  } as const;
  assert.equal(
    formatListLine(entry, "alice", NOW),
    "-rw-r--r--   1 alice    alice             1234 Jun  2 09:05 a.txt",
  );
});

Deno.test("formatListLine() shows the year for old entries and marks directories", () => {
  const entry = {
    name: "old dir",
    type: "dir",
    size: 0,
    mtime: Date.UTC(2019, 11, 24, 8),
  } as const;
  assert.match(formatListLine(entry, "bob", NOW), /^drwxr-xr-x .* Dec 24 {2}2019 old dir$/);
});

Deno.test("formatListLine() cannot be broken by a newline in a name", () => {
  const entry = { name: "evil\r\n226 done", type: "file", size: 1, mtime: NOW } as const;
  assert.ok(!/[\r\n]/.test(formatListLine(entry, "alice", NOW)));
});

Deno.test("formatFacts() writes RFC 3659 facts for a file and a directory", () => {
  const file = {
    name: "\u00fc.bin",
    type: "file",
    size: 7,
    mtime: Date.UTC(2025, 0, 2, 3, 4, 5),
  } as const;
  assert.equal(
    formatFacts(file, ALL),
    "type=file;size=7;modify=20250102030405;perm=adfrw; \u00fc.bin",
  );
  const dir = { name: "d", type: "dir", size: 0, mtime: Date.UTC(2025, 0, 2, 3, 4, 5) } as const;
  assert.equal(formatFacts(dir, ALL), "type=dir;modify=20250102030405;perm=cdeflmp; d");
});

Deno.test("formatFacts() keeps only the selected facts", () => {
  const file = { name: "a", type: "file", size: 7, mtime: 0 } as const;
  assert.equal(formatFacts(file, new Set(["size"])), "size=7; a");
});

Deno.test("mlstFeature() stars the selected facts", () => {
  assert.equal(mlstFeature(new Set(["type", "size"])), "MLST type*;size*;modify;perm;");
});

Deno.test("formatTimeVal() is UTC YYYYMMDDHHMMSS", () => {
  assert.equal(formatTimeVal(Date.UTC(2001, 8, 9, 1, 46, 40)), "20010909014640");
});

Deno.test("parseTimeVal() reads RFC 3659 times, with milliseconds, and refuses impossible dates", () => {
  assert.equal(parseTimeVal("20010909014640"), Date.UTC(2001, 8, 9, 1, 46, 40));
  assert.equal(parseTimeVal("20010909014640.5"), Date.UTC(2001, 8, 9, 1, 46, 40, 500));
  assert.equal(parseTimeVal("20240231120000"), null);
  assert.equal(parseTimeVal("2024013112000"), null);
  assert.equal(parseTimeVal("yesterday"), null);
});
