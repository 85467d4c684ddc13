import assert from "node:assert/strict";
import { globToRegExp, hasWildcard, splitPattern } from "./glob.ts";

Deno.test("globToRegExp() matches shell wildcards in one name", () => {
  const cases: [string, string[], string[]][] = [
    ["*.txt", ["a.txt", "b c.txt"], [".hidden.txt", "a.txt.gz", "a/b.txt"]],
    ["file?.bin", ["file1.bin", "fileZ.bin"], ["file10.bin", "file.bin"]],
    ["[ab]*", ["a", "beta"], ["c", "[ab]"]],
    ["[!ab]*", ["c", "zeta"], ["a", "b"]],
    ["a\\*b", ["a*b"], ["axb"]],
    ["(x)+.$", ["(x)+.$"], ["x"]],
    [".*", [".hidden", ".x"], ["visible"]],
    ["[unclosed", ["[unclosed"], ["u"]],
  ];
  for (const [pattern, matching, other] of cases) {
    const regexp = globToRegExp(pattern);
    for (const name of matching) assert.ok(regexp.test(name), `${pattern} should match ${name}`);
    for (const name of other) assert.ok(!regexp.test(name), `${pattern} should not match ${name}`);
  }
});

Deno.test("splitPattern() and hasWildcard()", () => {
  assert.deepEqual(splitPattern("*.txt"), { dir: undefined, name: "*.txt" });
  assert.deepEqual(splitPattern("docs/2024/*.pdf"), { dir: "docs/2024", name: "*.pdf" });
  assert.deepEqual(splitPattern("/*.pdf"), { dir: "/", name: "*.pdf" });
  assert.equal(hasWildcard("a[1].txt"), true);
  assert.equal(hasWildcard("plain.txt"), false);
});
