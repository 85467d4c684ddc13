import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** PASV: open a passive data port (IPv4; EPSV is the modern form). */
export const pasv = defineVerb({
  name: "PASV",
  syntax: "PASV",
  auth: "user",
  arg: "none",
  async handler({ session, services }) {
    if (session.epsvAll) return reply(Code.BAD_SEQUENCE, "EPSV ALL is in effect: use EPSV");
    const address = services.config.pasvAddress || session.publicAddress;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
      return reply(Code.CANNOT_OPEN_DATA, "PASV works over IPv4 only: use EPSV");
    }
    const port = await session.openPassive();
    const numbers = [...address.split("."), port >> 8, port & 0xff].join(",");
    return reply(Code.PASSIVE, `Entering Passive Mode (${numbers})`);
  },
});
