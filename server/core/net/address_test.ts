import assert from "node:assert/strict";
import { plainAddress } from "./address.ts";

Deno.test("plainAddress() gives IPv4-mapped clients their IPv4 address and leaves others alone", () => {
  assert.equal(plainAddress("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(plainAddress("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(plainAddress("127.0.0.1"), "127.0.0.1");
  assert.equal(plainAddress("::1"), "::1");
  assert.equal(plainAddress("2001:db8::ffff:1"), "2001:db8::ffff:1");
  assert.equal(plainAddress("::ffff:abcd"), "::ffff:abcd");
});
