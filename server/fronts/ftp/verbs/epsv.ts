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
      return reply(200, "EPSV ALL accepted");
    }
    const family = session.publicAddress.includes(":") ? "2" : "1";
    if (wanted !== "" && wanted !== family) {
      return reply(522, `Network protocol not supported, use (${family})`);
    }
    const port = await session.openPassive();
    return reply(229, `Entering Extended Passive Mode (|||${port}|)`);
  },
});
