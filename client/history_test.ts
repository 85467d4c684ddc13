import assert from "node:assert/strict";
import { join } from "node:path";
import { HISTORY_MAX_LINES, ShellHistory } from "./history.ts";

Deno.test("ShellHistory keeps the newest lines only, skipping blanks, repeats and space-led lines", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const path = join(dir, "sub", "history");
    const history = await ShellHistory.open(path);
    for (let i = 0; i < HISTORY_MAX_LINES + 5; i++) await history.add(`cd dir${i}`);
    await history.add("cd dir1004");
    await history.add("   ");
    await history.add(" get secret-plan.txt");
    const lines = (await Deno.readTextFile(path)).split("\n");
    assert.equal(lines.length, HISTORY_MAX_LINES + 1); // and the final newline
    assert.equal(lines[0], "cd dir5");
    assert.equal(lines.at(-2), "cd dir1004");
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    const reopened = await ShellHistory.open(path);
    assert.equal(reopened.newestFirst[0], "cd dir1004");
    assert.equal(reopened.newestFirst.length, HISTORY_MAX_LINES);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
