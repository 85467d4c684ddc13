import { checkUserName } from "./_names.ts";
import { askNewPassword } from "./_passwords.ts";
import type { ShellCommand } from "./command.ts";

/** `register`: create a new account on this server, when it allows self-registration. */
export const register: ShellCommand = {
  name: "register",
  usage: "register NAME",
  summary: "Create a new account on this server (if it allows registration)",
  args: { min: 1, max: 1 },
  async run(ctx, [name]) {
    checkUserName(name!);
    if (ctx.connection.hello?.register !== true) {
      throw new Error("Registration is disabled on this server: ask its administrator");
    }
    const password = await askNewPassword(ctx.prompter, `Password for ${name}`);
    const response = await ctx.connection.call("register", { user: name, password });
    ctx.print(`${response.message}; log in with "ftpx connect -u ${name}"`);
  },
};
