/** Flag parsing for subcommands, on `node:util` parseArgs, with usage errors instead of exceptions. */

import { parseArgs, type ParseArgsConfig } from "node:util";
import { UsageError } from "./errors.ts";

/** Flag definitions in `node:util` parseArgs form. */
export type FlagSpec = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags and positionals of one subcommand. */
export interface ParsedArgs {
  /** Flag values by long name. */
  flags: Record<string, string | boolean | undefined>;
  /** Arguments that are not flags. */
  positionals: string[];
}

/** Parses `args` against `spec`, always accepting `--help`/`-h`. */
export function parseFlags(args: string[], spec: FlagSpec): ParsedArgs {
  try {
    const { values, positionals } = parseArgs({
      args,
      options: { ...spec, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { flags: values as ParsedArgs["flags"], positionals };
  } catch (error) {
    throw new UsageError(describeFlagError(error));
  }
}

/**
 * parseArgs' error in our words: one line, names in double quotes like every
 * other message (`Unknown option "-x"`, `Missing value for --port`).
 */
export function describeFlagError(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
  const missing = /^Option '(.+?)(?: <value>)?' argument (?:missing|is ambiguous)/.exec(text);
  if (missing) return `Missing value for ${missing[1]}`;
  const unwanted = /^Option '(.+)' does not take an argument/.exec(text);
  if (unwanted) return `Option "${unwanted[1]}" takes no value`;
  return text.replace(/\. To specify.*$/, "").replace(/'([^']*)'/g, '"$1"');
}

/** Returns a string flag's value, or `undefined` when absent. */
export function stringFlag(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.flags[name];
  return typeof value === "string" ? value : undefined;
}

/** Parses a TCP port number, rejecting anything outside 0..65535. */
export function parsePort(text: string, what = "port"): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`Invalid ${what} "${text}": expected a number from 0 to 65535`);
  }
  return port;
}

/** Requires exactly `count` positionals, naming what is missing or extra. */
export function expectPositionals(parsed: ParsedArgs, names: string[]): string[] {
  if (parsed.positionals.length < names.length) {
    throw new UsageError(`Missing ${names[parsed.positionals.length]}`);
  }
  if (parsed.positionals.length > names.length) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[names.length]}"`);
  }
  return parsed.positionals;
}
