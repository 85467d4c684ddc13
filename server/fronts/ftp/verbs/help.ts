import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

const NAMES_PER_LINE = 8;

/** HELP: the list of commands, or one command's syntax. */
export const help = defineVerb({
  name: "HELP",
  syntax: "HELP [<command>]",
  auth: "none",
  arg: "optional",
  handler({ verbs }, arg) {
    const wanted = arg.trim().toUpperCase();
    if (wanted !== "") {
      const verb = verbs.get(wanted);
      if (!verb) {
        return Promise.resolve(
          reply(Code.NOT_IMPLEMENTED, `Unknown command "${wanted.slice(0, 32)}"`),
        );
      }
      return Promise.resolve(reply(Code.HELP, `Syntax: ${verb.syntax}`));
    }
    const names = [...verbs.keys()].sort();
    const rows: string[] = [];
    for (let index = 0; index < names.length; index += NAMES_PER_LINE) {
      rows.push(
        names.slice(index, index + NAMES_PER_LINE).map((name) => name.padEnd(5)).join(" ")
          .trimEnd(),
      );
    }
    return Promise.resolve(
      reply(Code.HELP, "The following commands are recognized:", ...rows, "Help OK"),
    );
  },
});
