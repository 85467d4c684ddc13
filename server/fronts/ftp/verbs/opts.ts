import { Code } from "../codes.ts";
import { MLST_FACTS } from "../listing.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * OPTS: `UTF8 ON` (always on), `MLST fact;fact;` (choose MLST/MLSD facts)
 * and `HASH [SHA-256]` (the only algorithm).
 */
export const opts = defineVerb({
  name: "OPTS",
  syntax: "OPTS UTF8 ON | OPTS MLST <fact>;<fact>;... | OPTS HASH [SHA-256]",
  auth: "none",
  arg: "required",
  feat: () => ["UTF8"],
  handler({ session }, arg) {
    const [option = "", ...rest] = arg.trim().split(/\s+/);
    const value = rest.join(" ");
    switch (option.toUpperCase()) {
      case "UTF8":
      case "UTF-8":
        if (value.toUpperCase() === "ON" || value === "") {
          return Promise.resolve(reply(Code.OK, "UTF8 mode is always on"));
        }
        return Promise.resolve(
          reply(Code.NOT_IMPLEMENTED_FOR_PARAMETER, "UTF8 cannot be turned off"),
        );
      case "MLST": {
        const wanted = value.toLowerCase().split(";").filter((fact) => fact !== "");
        const known = wanted.filter((fact) => (MLST_FACTS as readonly string[]).includes(fact));
        session.mlstFacts = new Set(known);
        return Promise.resolve(reply(Code.OK, `MLST OPTS ${known.map((f) => f + ";").join("")}`));
      }
      case "HASH":
        if (value === "" || value.toUpperCase() === "SHA-256") {
          return Promise.resolve(reply(Code.OK, "SHA-256"));
        }
        return Promise.resolve(
          reply(Code.NOT_IMPLEMENTED_FOR_PARAMETER, "Only SHA-256 is supported"),
        );
      default:
        return Promise.resolve(reply(Code.BAD_ARGUMENT, `Unknown option "${option.slice(0, 32)}"`));
    }
  },
});
