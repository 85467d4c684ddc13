import { type ShellCommand, ShellUsageError } from "./command.ts";

/** What `!COMMAND` does, for the command list (it is a line prefix, not a command). */
const LOCAL_SHELL_SUMMARY =
  "Run a local command with sh (scripts: --allow-local-shell; needs --allow-run=sh)";

/** Builds `help [CMD]` over the given commands. */
export function helpCommand(commands: () => readonly ShellCommand[]): ShellCommand {
  return {
    name: "help",
    aliases: ["?"],
    usage: "help [COMMAND]",
    summary: "List commands, or show how to use one",
    args: { min: 0, max: 1 },
    run(ctx, [name]) {
      const all = commands();
      if (name !== undefined) {
        const command = all.find((c) => c.name === name || c.aliases?.includes(name));
        if (!command) throw new ShellUsageError(`Unknown command "${name}"`);
        ctx.print(`usage: ${command.usage}`);
        ctx.print(`  ${command.summary}`);
        for (const line of command.details ?? []) ctx.print(`  ${line}`);
        if (command.aliases?.length) ctx.print(`  aliases: ${command.aliases.join(", ")}`);
        return Promise.resolve();
      }
      const width = Math.max(...all.map((c) => c.usage.length));
      for (const command of all) ctx.print(`${command.usage.padEnd(width)}  ${command.summary}`);
      ctx.print(`${"!COMMAND".padEnd(width)}  ${LOCAL_SHELL_SUMMARY}`);
      return Promise.resolve();
    },
  };
}
