import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** EPSV: open a passive data port (RFC 2428); `EPSV ALL` refuses every other way from then on. */
export const epsv = defineVerb({
  name: "EPSV",
  syntax: "EPSV [1|2|ALL]",
  auth: "user",
  arg: "optional",
  feat: () => ["EPSV"],
  async handler({ session }, arg) {
    const wanted = arg.trim().toUpperCase();
    if (wanted === "ALL") {
      session.epsvAll = true;
      return reply(Code.OK, "EPSV ALL accepted");
    }
    const family = session.publicAddress.includes(":") ? "2" : "1";
    if (wanted !== "" && wanted !== family) {
      return reply(Code.PROTOCOL_NOT_SUPPORTED, `Network protocol not supported, use (${family})`);
    }
    const port = await session.openPassive();
    return reply(Code.EXTENDED_PASSIVE, `Entering Extended Passive Mode (|||${port}|)`);
  },
});
