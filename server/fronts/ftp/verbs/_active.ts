/** Rules shared by PORT and EPRT: active mode only when enabled, only towards the client. */

import { Code } from "../codes.ts";
import { plainAddress } from "../../../core/net/address.ts";
import { type FtpReply, reply } from "../replies.ts";
import type { VerbContext } from "./verb.ts";

/** Ports below this belong to system services: connecting there is a bounce attack. */
const FIRST_UNPRIVILEGED_PORT = 1024;

/** Checks an active-mode target and remembers it; returns the reply to send. */
export async function setActiveTarget(
  ctx: VerbContext,
  address: string,
  port: number,
): Promise<FtpReply> {
  const { session } = ctx;
  if (plainAddress(address) !== session.address) {
    ctx.services.log.warn("active mode to a foreign address refused", {
      peer: session.peer,
      target: address,
    });
    return reply(
      Code.BAD_ARGUMENT,
      "Data connections go only to your own address (no FXP or bounce)",
    );
  }
  if (port < FIRST_UNPRIVILEGED_PORT || port > 65535) {
    return reply(
      Code.BAD_ARGUMENT,
      `Refusing data connection to port ${port}: use a port from 1024 to 65535`,
    );
  }
  await session.setActiveTarget(plainAddress(address), port);
  return reply(Code.OK, "Active data connection target set");
}

/** The reply when active mode may not be used at all, or undefined when it may. */
export function activeModeRefusal(ctx: VerbContext): FtpReply | undefined {
  if (!ctx.services.config.activeMode) {
    return reply(
      Code.NOT_IMPLEMENTED,
      "Active mode is off on this server: use passive mode (PASV or EPSV)",
    );
  }
  if (ctx.session.epsvAll) return reply(Code.BAD_SEQUENCE, "EPSV ALL is in effect: use EPSV");
  return undefined;
}
