import { PROTOCOL_VERSION } from "../../../../protocol/limits.ts";
import { FTPX_VERSION } from "../../../../protocol/version.ts";
import { OperationError } from "../../../core/errors.ts";
import { defineOperation } from "./operation.ts";

/** `hello`: version handshake, the first request on every connection. */
export const hello = defineOperation({
  name: "hello",
  summary: "Exchange protocol versions; must be the first request",
  auth: "none",
  args: { version: "int", client: "string?" },
  handler(ctx, { version, client }) {
    if (ctx.session.helloDone) throw new OperationError("bad_request", "Hello already done");
    const refusal = ctx.session.secure ? null : ctx.services.plaintextRefusal;
    if (refusal !== null) {
      // Refused at hello, before the client has any reason to send a password in the clear.
      ctx.session.closeAfterReply = true;
      throw new OperationError("forbidden", refusal);
    }
    if (version !== PROTOCOL_VERSION) {
      ctx.session.closeAfterReply = true;
      throw new OperationError(
        "version_mismatch",
        `Protocol version ${version} is not supported: this server speaks version ${PROTOCOL_VERSION} (ftpx ${FTPX_VERSION})`,
      );
    }
    ctx.session.helloDone = true;
    ctx.services.log.debug("hello", { peer: ctx.session.peer, client: client?.slice(0, 64) });
    return Promise.resolve({
      message: `ftpx ${FTPX_VERSION} ready`,
      version: PROTOCOL_VERSION,
      server: `ftpx/${FTPX_VERSION}`,
      register: ctx.services.config.allowRegister,
    });
  },
});
