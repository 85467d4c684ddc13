/** The table of shell commands, looked up by name or alias. */

import { disable, enable } from "./account_state.ts";
import { adduser } from "./adduser.ts";
import type { ShellCommand } from "./command.ts";
import { deluser } from "./deluser.ts";
import { df, quota, rate } from "./df.ts";
import { exit } from "./exit.ts";
import { helpCommand } from "./help.ts";
import { key } from "./key.ts";
import { lcd, lls, lmkdir, lpwd } from "./local.ts";
import { ls } from "./ls.ts";
import { mkdir } from "./mkdir.ts";
import { cd, pwd } from "./navigate.ts";
import { passwd } from "./passwd.ts";
import { register } from "./register.ts";
import { users } from "./users.ts";
import { who } from "./who.ts";
import { checksum, mv, rm, rmdir, stat } from "./files.ts";
import { get, mget, reget } from "./get.ts";
import { mirror } from "./mirror.ts";
import { mput, put } from "./put.ts";

/** Every shell command, in the order `help` lists them. */
export const SHELL_COMMANDS: readonly ShellCommand[] = [
  ls,
  cd,
  pwd,
  mkdir,
  get,
  reget,
  mget,
  put,
  mput,
  mirror,
  rm,
  rmdir,
  mv,
  stat,
  checksum,
  lls,
  lcd,
  lpwd,
  lmkdir,
  // Accounts and administration.
  df,
  quota,
  rate,
  passwd,
  key,
  register,
  adduser,
  deluser,
  users,
  who,
  disable,
  enable,
  helpCommand(() => SHELL_COMMANDS),
  exit,
];

const BY_NAME = new Map<string, ShellCommand>();
for (const command of SHELL_COMMANDS) {
  for (const name of [command.name, ...command.aliases ?? []]) BY_NAME.set(name, command);
}

/** Finds a command by name or alias. */
export function findCommand(name: string): ShellCommand | undefined {
  return BY_NAME.get(name);
}

/** Every name and alias, for completion. */
export function commandNames(): string[] {
  return [...BY_NAME.keys()].sort();
}
