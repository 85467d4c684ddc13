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
    if (!services.tls) return reply(502, "TLS is not configured on this server");
    if (session.tls) return reply(503, "TLS is already on");
    if (session.account) return reply(503, "AUTH TLS must come before login");
    if (!["TLS", "TLS-C", "SSL", "TLS-P"].includes(mechanism.trim().toUpperCase())) {
      return reply(504, "Unsupported security mechanism: use AUTH TLS");
    }
    await session.startTls(reply(234, "Proceed with TLS negotiation"));
    return undefined;
  },
});
