import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** AUTH TLS: switch the control connection to TLS (explicit FTPS, RFC 4217). */
export const auth = defineVerb({
  name: "AUTH",
  syntax: "AUTH TLS",
  auth: "none",
  arg: "required",
  feat: ({ services }) => services.tls ? ["AUTH TLS"] : [],
  async handler({ session, services }, mechanism) {
    if (!services.tls) return reply(Code.NOT_IMPLEMENTED, "TLS is not configured on this server");
    if (session.tls) return reply(Code.BAD_SEQUENCE, "TLS is already on");
    if (session.account) return reply(Code.BAD_SEQUENCE, "AUTH TLS must come before login");
    if (!["TLS", "TLS-C", "SSL", "TLS-P"].includes(mechanism.trim().toUpperCase())) {
      return reply(
        Code.NOT_IMPLEMENTED_FOR_PARAMETER,
        "Unsupported security mechanism: use AUTH TLS",
      );
    }
    await session.startTls(reply(Code.AUTH_OK, "Proceed with TLS negotiation"));
    return undefined;
  },
});
