import { Code } from "../codes.ts";
import { reply } from "../replies.ts";
import { defineVerb } from "./verb.ts";

/**
 * SITE: only `SITE CHMOD`, accepted and ignored. File modes in ftpx are the
 * server's (files 0600, directories 0700, private to the server's user), not
 * the client's; mirroring clients (lftp `mirror -R`) send CHMOD after each
 * upload and stop on an error, so it answers 200 and changes nothing.
 */
export const site = defineVerb({
  name: "SITE",
  syntax: "SITE CHMOD <mode> <path>",
  auth: "user",
  arg: "required",
  handler(_ctx, arg) {
    const [command = ""] = arg.trim().split(/\s+/, 1);
    if (command.toUpperCase() === "CHMOD") {
      return Promise.resolve(
        reply(Code.OK, "SITE CHMOD ignored: file modes are set by the server"),
      );
    }
    return Promise.resolve(
      reply(Code.NOT_IMPLEMENTED_FOR_PARAMETER, "Only SITE CHMOD is known (and ignored)"),
    );
  },
});
