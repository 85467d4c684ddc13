// deno-lint-ignore-file prefer-ascii -- wide file names under test read better than escapes
import assert from "node:assert/strict";
import { displayWidth } from "./display_width.ts";
import { formatDuration, formatRate, Progress, type ProgressOutput } from "./progress.ts";

function output(live: boolean): ProgressOutput & { raw: string[]; lines: string[] } {
  const raw: string[] = [];
  const lines: string[] = [];
  return { live, raw, lines, write: (t) => raw.push(t), line: (t) => lines.push(t) };
}

Deno.test("Progress without a terminal prints only one summary line, with the resume point", () => {
  const out = output(false);
  const progress = new Progress(out, {
    verb: "get",
    name: "a.bin",
    total: 3 * 2 ** 20,
    start: 2 ** 20,
  });
  for (let i = 1; i <= 100; i++) progress.update(2 ** 20 + i * 20_000);
  progress.finish();
  assert.deepEqual(out.raw, []);
  assert.equal(out.lines.length, 1);
  assert.match(
    out.lines[0]!,
    /^get a\.bin: 3M in \d+\.\d+s \(\S+\/s\), resumed at 1M \(1\.9M moved\)$/,
  );
});

Deno.test("Progress on a terminal redraws at most every 100 ms and clears its line", () => {
  const out = output(true);
  let now = 0;
  const progress = new Progress(out, {
    verb: "put",
    name: "b\x1b[31m.bin",
    total: 1000,
    start: 0,
    clock: () => now,
  });
  for (let i = 0; i <= 1000; i++) {
    now = i; // one millisecond per update: 1,001 updates over one second
    progress.update(i);
  }
  progress.finish();
  assert.equal(out.raw.length, 11 + 1, "10 redraws a second (plus the first), then the clear");
  assert.ok(
    out.raw[0]!.startsWith("\r\x1b[2Kb?[31m.bin "),
    "clears the line, control chars made safe",
  );
  assert.match(out.raw[0]!, / 0% 0\/1000 /);
  assert.equal(out.raw.at(-1), "\r\x1b[2K");
  assert.match(out.raw[10]!, / 100% 1000\/1000 1000\/s ETA 0:00$/);
  assert.equal(out.lines[0], "put b?[31m.bin: 1000 in 1.00s (1000/s)");
});

Deno.test("formatRate() and formatDuration() read like a person would write them", () => {
  assert.equal(formatRate(3 * 2 ** 30, 2), "1.5G/s");
  assert.equal(formatRate(5, 0), "-");
  assert.equal(formatDuration(5), "0:05");
  assert.equal(formatDuration(3725), "1:02:05");
});

Deno.test("Progress fits a CJK or emoji name to the terminal's width, so the bar never wraps", () => {
  for (
    const name of [
      "年度報告書_最終版_2026年11月.pdf",
      "🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉.bin",
      "報告.txt",
    ]
  ) {
    const out = { ...output(true), columns: () => 60 };
    let now = 0;
    const progress = new Progress(out, {
      verb: "get",
      name,
      total: 1000,
      start: 0,
      clock: () => now,
    });
    progress.update(10);
    now = 500;
    progress.update(500);
    for (const drawn of out.raw) {
      const text = drawn.replace("\r\x1b[2K", "");
      assert.equal(displayWidth(text), 59, `one column spare: ${text}`);
    }
  }
});

Deno.test("a resumed transfer's rate is that of the bytes moved, not of the whole file", () => {
  const out = output(false);
  let now = 0;
  const progress = new Progress(out, {
    verb: "put",
    name: "c.bin",
    total: 4 * 2 ** 20,
    start: 3 * 2 ** 20,
    clock: () => now,
  });
  now = 1000;
  progress.update(4 * 2 ** 20);
  progress.finish();
  assert.equal(out.lines[0], "put c.bin: 4M in 1.00s (1M/s), resumed at 3M (1M moved)");
});
