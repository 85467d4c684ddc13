import assert from "node:assert/strict";
import { formatDateTime, formatTable } from "./table.ts";
import { formatUsersTable } from "./users_table.ts";

Deno.test("formatTable() aligns columns and trims trailing blanks", () => {
  assert.equal(
    formatTable([["NAME", "STATE"], ["alice", ""], ["bo", "disabled"]]),
    "NAME   STATE\nalice\nbo     disabled",
  );
});

Deno.test("formatDateTime() shows a dash for a missing or bad date", () => {
  assert.equal(formatDateTime(null), "-");
  assert.equal(formatDateTime("not a date"), "-");
  assert.match(formatDateTime(Date.UTC(2026, 0, 2, 3, 4)), /^2026-01-0[12] \d\d:\d4$/);
});

Deno.test("formatUsersTable() marks unlimited quotas, over-quota use and disabled accounts", () => {
  const table = formatUsersTable([
    {
      name: "alice",
      admin: true,
      disabled: false,
      quota: 0,
      used: 1536,
      rateDown: 0,
      rateUp: 0,
      lastLogin: null,
      created: "2026-01-02T03:04:05.000Z",
    },
    {
      name: "bob",
      admin: false,
      disabled: true,
      quota: 1024,
      used: 2048,
      rateDown: 1024 * 1024,
      rateUp: 0,
      lastLogin: "2026-01-03T03:04:05.000Z",
      created: "2026-01-02T03:04:05.000Z",
    },
  ]);
  const [header, alice, bob] = table.split("\n");
  assert.match(header!, /^NAME +ADMIN +QUOTA +USED +DOWN +UP +LAST LOGIN +CREATED +STATE$/);
  assert.match(
    alice!,
    /^alice +yes +unlimited +1\.5K +default +default +- +2026-01-0\d \d\d:\d\d$/,
  );
  assert.match(
    bob!,
    /^bob +no +1K +2K \(over\) +1M\/s +default +2026-01-0\d \d\d:\d\d +2026-\S+ \S+ +disabled$/,
  );
});
