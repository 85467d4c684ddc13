/**
 * Fuzzes every request validator: operation lookup, each registered
 * operation's argument spec (server/fronts/native/ops/validate.ts), and the path
 * normalizer every "path" argument goes through (server/storage/local/vfs.ts). Requests are
 * random JSON objects decoded the way the wire decodes them (so `__proto__`
 * and friends arrive as plain fields). Each must either be refused with an
 * OperationError of the expected kind or come out exactly as the spec says.
 * Operations added later are covered automatically: the test walks the registry.
 *
 * More cases: FTPX_FUZZ_ITERATIONS=200000; replay one: FTPX_FUZZ_SEED=N.
 */

import assert from "node:assert/strict";
import type { FrameHeader } from "../../../../protocol/frame.ts";
import { MAX_PATH_BYTES } from "../../../../protocol/limits.ts";
import { OperationError } from "../../../core/errors.ts";
import { lookupOperation, OPERATIONS } from "./mod.ts";
import type { Operation } from "./operation.ts";
import { validateArgs } from "./validate.ts";
import { normalizeVirtualPath, RESERVED_PREFIX } from "../../../storage/local/vfs.ts";
import { fuzzIterations, fuzzSeed, Random } from "../../../../tests/_fuzz.ts";

const TRICKY_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "op",
  "id",
  "body",
];
const encoder = new TextEncoder();

/** A request for `operation`: its own fields with random (sometimes right) values, plus noise. */
function randomRequest(operation: Operation, random: Random): FrameHeader {
  const fields: Record<string, unknown> = { op: operation.name };
  for (const [field, spec] of Object.entries(operation.args)) {
    if (random.chance(0.15)) continue; // Missing.
    fields[field] = random.chance(0.5) ? plausible(spec.replace("?", ""), random) : random.json();
  }
  for (let i = random.int(3); i > 0; i--) {
    fields[random.chance(0.5) ? random.pick(TRICKY_KEYS) : random.text(6)] = random.json();
  }
  // Through JSON text, as off the wire: "__proto__" becomes an own field, not a prototype.
  const text = JSON.stringify(fields).replace(
    '"op"',
    random.chance(0.2) ? '"__proto__":{"op":1},"op"' : '"op"',
  );
  return JSON.parse(text) as FrameHeader;
}

function plausible(type: string, random: Random): unknown {
  switch (type) {
    case "int":
      return random.pick([0, 1, 4096, 2 ** 40, Number.MAX_SAFE_INTEGER]);
    case "boolean":
      return random.chance(0.5);
    case "path":
      return randomPath(random);
    default:
      return random.text(50);
  }
}

function randomPath(random: Random): string {
  const names = ["a", "..", ".", "", "~", "b c", "\u00e9", ".ftpx-part", "..."];
  let path = random.chance(0.5) ? "/" : "";
  for (let i = random.int(12); i > 0; i--) {
    path += (random.chance(0.1) ? random.text(5) : random.pick(names)) + "/";
  }
  if (random.chance(0.05)) path += "x".repeat(random.pick([255, 256, 4090, 5000]));
  return path;
}

const TYPE_CHECKS: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === "string",
  path: (value) => typeof value === "string",
  int: (value) => Number.isSafeInteger(value) && (value as number) >= 0,
  boolean: (value) => typeof value === "boolean",
};

function checkValidated(operation: Operation, args: Record<string, unknown>, context: string) {
  for (const key of Object.keys(args)) {
    assert.ok(key in operation.args, `undeclared field "${key}" passed through (${context})`);
  }
  for (const [field, spec] of Object.entries(operation.args)) {
    const type = spec.replace("?", "");
    if (!(field in args)) {
      assert.ok(spec.endsWith("?"), `required "${field}" missing after validation (${context})`);
      continue;
    }
    assert.ok(TYPE_CHECKS[type]!(args[field]), `"${field}" is not a ${type} (${context})`);
  }
}

function checkNormalized(path: string, maxBytes: number, context: string) {
  assert.ok(path.startsWith("/"), `not absolute: ${JSON.stringify(path)} (${context})`);
  assert.ok(encoder.encode(path).length <= maxBytes, `too long (${context})`);
  // deno-lint-ignore no-control-regex
  assert.ok(!/[\x00-\x1f\x7f\\]/.test(path), `control character or backslash kept (${context})`);
  if (path !== "/") {
    for (const name of path.slice(1).split("/")) {
      assert.ok(
        name !== "" && name !== "." && name !== "..",
        `segment "${name}" kept (${context})`,
      );
      assert.ok(!name.startsWith(RESERVED_PREFIX), `reserved name kept (${context})`);
    }
  }
}

Deno.test("every operation's validator refuses bad requests cleanly (fuzz)", () => {
  const seed = fuzzSeed();
  const random = new Random(seed);
  const iterations = fuzzIterations(3000);
  const operations = [...OPERATIONS.values()];
  let accepted = 0;
  for (let i = 0; i < iterations; i++) {
    const operation = random.pick(operations);
    const request = randomRequest(operation, random);
    const context = `seed ${seed}, case ${i}, ${JSON.stringify(request).slice(0, 300)}`;
    let args: Record<string, unknown>;
    try {
      args = validateArgs(operation, request);
    } catch (error) {
      assert.ok(error instanceof OperationError, `threw ${String(error)} (${context})`);
      assert.equal(error.kind, "bad_request", context);
      assert.match(error.message, new RegExp(`"${operation.name}"`), context);
      continue;
    }
    accepted++;
    checkValidated(operation, args, context);
    for (const [field, spec] of Object.entries(operation.args)) {
      if (!spec.startsWith("path") || typeof args[field] !== "string") continue;
      const maxBytes = random.pick([64, 1024, MAX_PATH_BYTES]);
      try {
        checkNormalized(
          normalizeVirtualPath(random.pick(["/", "/a/b"]), args[field], maxBytes),
          maxBytes,
          context,
        );
      } catch (error) {
        if (error instanceof assert.AssertionError) throw error;
        assert.ok(error instanceof OperationError, `normalize threw ${String(error)} (${context})`);
        assert.ok(["bad_request", "too_large", "forbidden"].includes(error.kind), context);
      }
    }
  }
  assert.ok(
    accepted > iterations / 20,
    `too few valid requests to exercise handlers' inputs (seed ${seed})`,
  );
});

Deno.test("operation lookup refuses anything but a known name (fuzz)", () => {
  const seed = fuzzSeed();
  const random = new Random(seed);
  for (let i = fuzzIterations(3000); i > 0; i--) {
    const op = random.chance(0.3) ? random.pick([...OPERATIONS.keys()]) : random.json();
    try {
      const operation = lookupOperation({ op });
      assert.equal(operation.name, op, `seed ${seed}`);
    } catch (error) {
      assert.ok(error instanceof OperationError, `seed ${seed}: ${String(error)}`);
      assert.ok(["bad_request", "unknown_operation"].includes(error.kind));
      assert.ok(error.message.length < 200, "the echoed name is bounded");
    }
  }
});
