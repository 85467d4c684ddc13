import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** FEAT: the extensions this server supports (RFC 2389), gathered from every verb. */
export const feat = defineVerb({
  name: "FEAT",
  syntax: "FEAT",
  auth: "none",
  arg: "none",
  handler(ctx) {
    const features = new Set<string>();
    for (const verb of new Set(ctx.verbs.values())) {
      for (const line of verb.feat?.(ctx) ?? []) features.add(line);
    }
    return Promise.resolve(reply(Code.SYSTEM_STATUS, "Features:", ...[...features].sort(), "End"));
  },
});
