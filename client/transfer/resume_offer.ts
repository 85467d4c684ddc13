/**
 * After login: the unfinished downloads recorded for this server and user.
 * `connect --resume` resumes them all; on a terminal the user is asked; in a
 * script they are only mentioned.
 */

import { basename } from "node:path";
import { formatSize } from "../../protocol/size.ts";
import { ConnectionLostError } from "../connection.ts";
import { safeName } from "../format.ts";
import { downloadFile, PART_SUFFIX, type TransferEnv } from "./download.ts";

/** How to treat the unfinished downloads. */
export type ResumeChoice = "resume" | "ask" | "mention";

/** Lists unfinished downloads and resumes them as chosen; returns false if any resume failed. */
export async function offerResumes(
  env: TransferEnv,
  choice: ResumeChoice,
  confirm: (question: string) => Promise<boolean>,
): Promise<boolean> {
  const records = await env.store.list(env.connection.address, env.user);
  if (records.length === 0) return true;
  if (choice === "mention") {
    env.notice(
      `${records.length} unfinished download(s) from this server: connect --resume (or get) finishes them`,
    );
    return true;
  }
  env.notice(`Unfinished downloads from ${env.connection.address}:`);
  for (const record of records) {
    const kept = await Deno.stat(record.local + PART_SUFFIX).then((i) => i.size, () => 0);
    env.notice(
      `  ${safeName(record.remote)} -> ${safeName(record.local)} (${formatSize(kept)} of ${
        formatSize(record.size)
      })`,
    );
  }
  if (choice === "ask" && !await confirm(`Resume ${records.length === 1 ? "it" : "them"}?`)) {
    return true;
  }
  let ok = true;
  for (const record of records) {
    try {
      await downloadFile(env, { remote: record.remote, local: record.local, resume: "auto" });
    } catch (error) {
      if (error instanceof ConnectionLostError) throw error;
      ok = false;
      env.notice(
        `error: ${basename(record.local)}: ${error instanceof Error ? error.message : error}`,
      );
    }
  }
  return ok;
}
