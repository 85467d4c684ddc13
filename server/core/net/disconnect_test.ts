import assert from "node:assert/strict";
import { closeQuietly, isDisconnect } from "./disconnect.ts";

Deno.test("isDisconnect() knows a vanished peer from both socket APIs, and nothing else", () => {
  assert.ok(isDisconnect(new Deno.errors.ConnectionReset("reset")));
  assert.ok(isDisconnect(new Deno.errors.BrokenPipe("pipe")));
  assert.ok(isDisconnect(Object.assign(new Error("write EPIPE"), { code: "EPIPE" })));
  assert.ok(!isDisconnect(new Deno.errors.NotFound("no such file")));
  assert.ok(!isDisconnect(new Error("bug")));
  assert.ok(!isDisconnect(null));
});

Deno.test("closeQuietly() closes once and ignores a second close", () => {
  let closes = 0;
  const conn = {
    close() {
      if (++closes > 1) throw new Deno.errors.BadResource("closed");
    },
  };
  closeQuietly(conn);
  closeQuietly(conn);
  assert.equal(closes, 2);
});
