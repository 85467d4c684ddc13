import assert from "node:assert/strict";
import { formatReply, quotePath, reply } from "./replies.ts";

Deno.test("formatReply() writes a one-line reply", () => {
  assert.equal(formatReply(reply(200, "Command okay")), "200 Command okay\r\n");
});

Deno.test("formatReply() writes a multi-line reply as RFC 959 says", () => {
  assert.equal(
    formatReply(reply(211, "Features:", "MDTM", "SIZE", "End")),
    "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n",
  );
});

Deno.test("formatReply() keeps a name with CR/LF from forging a reply line", () => {
  const text = formatReply(reply(550, 'Cannot open "/a\r\n230 Logged in": not found'));
  assert.equal(text, '550 Cannot open "/a??230 Logged in": not found\r\n');
  assert.equal(text.split("\r\n").length, 2);
});

Deno.test("formatReply() indents middle lines so none can pass for the last one", () => {
  const text = formatReply(reply(213, "Status:", "213 fake end", "End"));
  assert.equal(text, "213-Status:\r\n 213 fake end\r\n213 End\r\n");
});

Deno.test("quotePath() doubles embedded quotes", () => {
  assert.equal(quotePath('/say "hi"'), '"/say ""hi"""');
});

Deno.test("reply() refuses a code that is not three digits", () => {
  assert.throws(() => reply(42, "no"), RangeError);
});
