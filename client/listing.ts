/**
 * What `ls` and `lls` share: their flags (-l -h -a -t -S), and turning
 * entries into lines: hidden names dropped unless -a, sorted by name, time
 * (newest first) or size (largest first), sizes in bytes or human units.
 */

import type { FlagSpec } from "../cli/args.ts";
import type { Entry } from "../protocol/messages.ts";
import { formatListing } from "./format.ts";
import type { CommandFlags } from "./commands/command.ts";

/** The flags of ls and lls. */
export const LISTING_FLAGS: FlagSpec = {
  long: { type: "boolean", short: "l" },
  human: { type: "boolean", short: "h" },
  all: { type: "boolean", short: "a" },
  time: { type: "boolean", short: "t" },
  size: { type: "boolean", short: "S" },
};

/** Usage of the flags, for the usage lines. */
export const LISTING_USAGE = "[-lhatS]";

/** What the flags do, for `help ls`. */
export const LISTING_DETAILS = [
  "-l  long form (the default): type, size, modified, name",
  "-h  sizes in K, M, G",
  "-a  show names starting with .",
  "-t  newest first; -S  largest first",
  "PATTERN  *, ?, [...] in the last name: ls *.bin",
];

/** The listing lines for `entries` under the parsed flags; `hideDotted` off for glob matches. */
export function listingLines(entries: Entry[], flags: CommandFlags, hideDotted = true): string[] {
  const shown = hideDotted && flags.all !== true
    ? entries.filter((entry) => !entry.name.startsWith("."))
    : [...entries];
  const byName = (a: Entry, b: Entry) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (flags.time === true) shown.sort((a, b) => b.mtime - a.mtime || byName(a, b));
  else if (flags.size === true) shown.sort((a, b) => b.size - a.size || byName(a, b));
  else shown.sort(byName);
  return formatListing(shown, { human: flags.human === true });
}
