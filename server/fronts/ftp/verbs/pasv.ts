import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** PASV: open a passive data port (IPv4; EPSV is the modern form). */
export const pasv = defineVerb({
  name: "PASV",
  syntax: "PASV",
  auth: "user",
  arg: "none",
  async handler({ session, services }) {
    if (session.epsvAll) return reply(503, "EPSV ALL is in effect: use EPSV");
    const address = services.config.pasvAddress || session.publicAddress;
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(address)) {
      return reply(425, "PASV works over IPv4 only: use EPSV");
    }
    const port = await session.openPassive();
    const numbers = [...address.split("."), port >> 8, port & 0xff].join(",");
    return reply(227, `Entering Passive Mode (${numbers})`);
  },
});
