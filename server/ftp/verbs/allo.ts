import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/** ALLO: storage is not reserved ahead; quotas are checked while storing. */
export const allo = defineVerb({
  name: "ALLO",
  syntax: "ALLO <size>",
  auth: "user",
  arg: "required",
  handler: () => Promise.resolve(reply(202, "No storage allocation necessary")),
});
