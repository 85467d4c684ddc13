/**
 * One SFTP session over a raw SSH channel: INIT/VERSION, then requests,
 * answered one at a time in arrival order (as OpenSSH's sftp-server does).
 * The channel is read only as fast as requests are answered, and a reply
 * that the client does not read holds the next request back: what a client
 * can make the server hold is bounded by the SSH channel window, however
 * many READs it pipelines. Every request is preceded by
 * `recheckSession()` and its errors are mapped through ERROR_TABLE's SFTP
 * column, here, once.
 */

import { recheckSession } from "../../core/auth/login.ts";
import { SSH_FX, toErrorReply } from "../../core/errors.ts";
import { isDisconnect } from "../../core/net/disconnect.ts";
import type { Services } from "../../core/services.ts";
import type { UserSession } from "../../core/session.ts";
import type { SshChannel } from "./_ssh2.ts";
import { HandleTable } from "./handles.ts";
import { PacketLengthError, PacketReader } from "./packet_reader.ts";
import { endHandle, EXTENSIONS, REQUESTS } from "./requests/mod.ts";
import { BadMessageError, FXP, PacketWriter, PayloadReader, statusPacket } from "./wire.ts";

/** The SFTP version spoken (OpenSSH's). */
const SFTP_VERSION = 3;

/** What a session needs from its SSH connection. */
export interface SftpChannelContext {
  services: Services;
  session: UserSession;
  /** Called for each request (resets the idle timer). */
  onRequest(): void;
  /** Writes a reply; resolves once the channel takes more (backpressure, watched for stalls). */
  send(packet: Uint8Array): Promise<void>;
  /** Ends the whole SSH connection (session ended, hostile input). */
  endConnection(reason: string): void;
}

/** Serves SFTP on `channel` until it ends; never throws. Open handles are ended (uploads discarded). */
export async function serveSftp(channel: SshChannel, ctx: SftpChannelContext): Promise<void> {
  const { services, session } = ctx;
  const handles = new HandleTable();
  const reader = new PacketReader();
  let initialized = false;
  let clean = true;
  try {
    // Not destroyed when the client's EOF ends the loop: exit-status must still go out.
    const chunks = channel.iterator({ destroyOnReturn: false }) as AsyncIterable<Uint8Array>;
    for await (const chunk of chunks) {
      for (const packet of reader.push(chunk)) {
        ctx.onRequest();
        if (!initialized) {
          await ctx.send(versionPacket(packet));
          initialized = true;
          continue;
        }
        const reply = await answer(ctx, handles, packet);
        if (reply === null) return;
        await ctx.send(reply);
      }
    }
  } catch (error) {
    clean = false;
    if (error instanceof PacketLengthError || error instanceof BadMessageError) {
      services.log.warn("sftp protocol error", {
        peer: session.peer,
        user: session.account?.name,
        detail: error.message,
        protocol: "sftp",
      });
      ctx.endConnection(error.message);
    } else if (!isDisconnect(error)) {
      services.log.error("sftp session failed", { peer: session.peer, detail: String(error) });
      ctx.endConnection("internal error");
    }
  } finally {
    for (const handle of handles.takeAll()) {
      await endHandle(handle, "lost").catch((error) => {
        services.log.error("ending an sftp handle failed", {
          peer: session.peer,
          detail: String(error),
        });
      });
    }
    if (clean) {
      // OpenSSH's sftp and scp exit with the status the server sends: 0 for a session ended normally.
      try {
        channel.exit(0);
        channel.end();
      } catch {
        // The connection is gone already.
      }
    }
  }
}

/** VERSION, with the extensions ftpx supports; the packet must be INIT. */
function versionPacket(packet: Uint8Array): Uint8Array {
  const payload = new PayloadReader(packet);
  if (payload.byte() !== FXP.INIT) throw new BadMessageError("the first SFTP packet must be INIT");
  payload.uint32(); // The client's version: ftpx answers 3, which every client speaks.
  const reply = new PacketWriter(FXP.VERSION, 256).uint32(SFTP_VERSION);
  for (const [name, extension] of EXTENSIONS) {
    if (extension.version !== null) reply.string(name).string(extension.version);
  }
  return reply.finish();
}

/** Answers one request; null when the session must end (its account or key went away). */
async function answer(
  ctx: SftpChannelContext,
  handles: HandleTable,
  packet: Uint8Array,
): Promise<Uint8Array | null> {
  const { services, session } = ctx;
  const payload = new PayloadReader(packet);
  const type = payload.byte();
  if (type === FXP.INIT) throw new BadMessageError("INIT sent twice");
  const id = payload.uint32();
  const spec = REQUESTS.get(type);
  if (!spec) return statusPacket(id, SSH_FX.OP_UNSUPPORTED, `Unsupported request type ${type}`);
  const ended = await recheckSession(services, session);
  if (ended !== null) {
    await ctx.send(statusPacket(id, SSH_FX.FAILURE, ended)).catch(() => {});
    ctx.endConnection(ended);
    return null;
  }
  try {
    return await spec.handler({ services, session, handles, id }, payload);
  } catch (error) {
    if (error instanceof BadMessageError) {
      return statusPacket(
        id,
        SSH_FX.BAD_MESSAGE,
        `Malformed ${spec.name} request: ${error.message}`,
      );
    }
    const mapped = toErrorReply(error);
    const fields = {
      peer: session.peer,
      user: session.account?.name,
      request: spec.name,
      protocol: "sftp",
    };
    if (mapped.internal) services.log.error("internal error", { ...fields, detail: String(error) });
    else {services.log.debug("request refused", {
        ...fields,
        status: mapped.sftp,
        detail: mapped.message,
      });}
    return statusPacket(id, mapped.sftp, mapped.message);
  }
}
