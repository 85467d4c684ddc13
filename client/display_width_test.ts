// deno-lint-ignore-file prefer-ascii -- the glyphs under test read better than their escapes
import assert from "node:assert/strict";
import { displayWidth, fitToWidth } from "./display_width.ts";

Deno.test("displayWidth() counts wide glyphs as two columns and combining marks as none", () => {
  assert.equal(displayWidth("report.pdf"), 10);
  assert.equal(displayWidth("報告書.pdf"), 10);
  assert.equal(displayWidth("사진.jpg"), 8);
  assert.equal(displayWidth("ｆｕｌｌ"), 8);
  assert.equal(displayWidth("🎉.txt"), 6);
  assert.equal(displayWidth("👨‍👩‍👧.png"), 6, "a family emoji is one glyph");
  assert.equal(displayWidth("🇯🇵"), 2, "a flag is one glyph");
  assert.equal(displayWidth("e\u0301te"), 3, "e + combining acute");
});

Deno.test("fitToWidth() pads or cuts to exactly the columns, never inside a glyph", () => {
  assert.equal(fitToWidth("a.bin", 8), "a.bin   ");
  assert.equal(fitToWidth("報告書.pdf", 12), "報告書.pdf  ");
  const cut = fitToWidth("年度報告書_最終版.pdf", 12);
  assert.equal(displayWidth(cut), 12);
  assert.equal(cut, "...終版.pdf ");
  assert.equal(displayWidth(fitToWidth("🎉🎉🎉🎉🎉🎉🎉", 8)), 8);
});
