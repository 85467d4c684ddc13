import { MLST_FACTS } from "../listing.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** OPTS: `UTF8 ON` (always on) and `MLST fact;fact;` (choose MLST/MLSD facts). */
export const opts = defineVerb({
  name: "OPTS",
  syntax: "OPTS UTF8 ON | OPTS MLST <fact>;<fact>;...",
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
          return Promise.resolve(reply(200, "UTF8 mode is always on"));
        }
        return Promise.resolve(reply(504, "UTF8 cannot be turned off"));
      case "MLST": {
        const wanted = value.toLowerCase().split(";").filter((fact) => fact !== "");
        const known = wanted.filter((fact) => (MLST_FACTS as readonly string[]).includes(fact));
        session.mlstFacts = new Set(known);
        return Promise.resolve(reply(200, `MLST OPTS ${known.map((f) => f + ";").join("")}`));
      }
      default:
        return Promise.resolve(reply(501, `Unknown option "${option.slice(0, 32)}"`));
    }
  },
});
