import type { ShellCommand } from "./command.ts";

/** `exit`: leave the shell. */
export const exit: ShellCommand = {
  name: "exit",
  aliases: ["quit", "bye"],
  usage: "exit",
  summary: "Close the connection and leave",
  args: { min: 0, max: 0 },
  run(ctx) {
    ctx.exitRequested = true;
    return Promise.resolve();
  },
};
