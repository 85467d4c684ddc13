/** Checks a request's fields against an operation's spec before its handler runs. */

import { OperationError } from "../../../core/errors.ts";
import type { FrameHeader } from "../../../../protocol/frame.ts";
import type { Operation } from "./operation.ts";

const CHECKS: Record<string, (value: unknown) => boolean> = {
  string: (value) => typeof value === "string",
  path: (value) => typeof value === "string",
  int: (value) => typeof value === "number" && Number.isSafeInteger(value) && value >= 0,
  boolean: (value) => typeof value === "boolean",
};

const EXPECTED: Record<string, string> = {
  string: "a string",
  path: "a path string",
  int: "a non-negative integer",
  boolean: "true or false",
};

/** Returns the declared fields of `request`, or throws `bad_request` naming the first bad one. */
export function validateArgs(operation: Operation, request: FrameHeader): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  for (const [field, spec] of Object.entries(operation.args)) {
    const optional = spec.endsWith("?");
    const type = optional ? spec.slice(0, -1) : spec;
    const value = request[field];
    if (value === undefined || value === null) {
      if (!optional) {
        throw new OperationError("bad_request", `Missing field "${field}" for "${operation.name}"`);
      }
      continue;
    }
    if (!CHECKS[type]!(value)) {
      throw new OperationError(
        "bad_request",
        `Field "${field}" of "${operation.name}" must be ${EXPECTED[type]}`,
      );
    }
    args[field] = value;
  }
  return args;
}
