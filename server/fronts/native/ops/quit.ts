import { defineOperation } from "./operation.ts";

/** `quit`: ends the session after the reply. */
export const quit = defineOperation({
  name: "quit",
  summary: "Close the session",
  auth: "none",
  args: {},
  handler(ctx) {
    ctx.session.closeAfterReply = true;
    return Promise.resolve({ message: "Goodbye" });
  },
});
