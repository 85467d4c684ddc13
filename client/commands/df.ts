import { formatSize, parseSize } from "../../protocol/size.ts";
import { requireAdmin, type ShellCommand, type ShellContext, ShellUsageError } from "./command.ts";

/** `df`: one's own used space and quota. */
export const df: ShellCommand = {
  name: "df",
  usage: "df",
  summary: "Show your used space and quota",
  args: { min: 0, max: 0 },
  run: showUsage,
};

/** `quota`: like `df`; with NAME and SIZE, an administrator sets NAME's quota. */
export const quota: ShellCommand = {
  name: "quota",
  usage: "quota [NAME SIZE]",
  summary: "Show your used space and quota; admins: set NAME's quota (0 = unlimited)",
  args: { min: 0, max: 2 },
  async run(ctx, [name, size]) {
    if (name === undefined) return await showUsage(ctx);
    if (size === undefined) throw new ShellUsageError("Give both NAME and SIZE, or neither");
    requireAdmin(ctx, "quota NAME SIZE");
    let bytes: number;
    try {
      bytes = parseSize(size);
    } catch (error) {
      throw new ShellUsageError((error as Error).message);
    }
    const response = await ctx.connection.call("setquota", { user: name, quota: bytes });
    ctx.print(response.message);
  },
};

async function showUsage(ctx: ShellContext): Promise<void> {
  const response = await ctx.connection.call("df");
  ctx.print(describeUsage(Number(response.used), Number(response.quota)));
  const down = Number(response.rateDown ?? 0);
  const up = Number(response.rateUp ?? 0);
  if (down > 0 || up > 0) ctx.print(`Bandwidth per transfer: ${describeRate(down, up)}`);
}

/** `downloads 1M/s, uploads unlimited`. */
function describeRate(down: number, up: number): string {
  const one = (rate: number) => rate > 0 ? `${formatSize(rate)}/s` : "unlimited";
  return `downloads ${one(down)}, uploads ${one(up)}`;
}

/** `rate NAME [--down SIZE] [--up SIZE]`: an administrator shows or sets NAME's bandwidth. */
export const rate: ShellCommand = {
  name: "rate",
  usage: "rate [--down SIZE] [--up SIZE] NAME",
  summary: "Admins: show or set NAME's bandwidth per transfer (e.g. 10M a second; 0 = default)",
  flags: { down: { type: "string" }, up: { type: "string" } },
  args: { min: 1, max: 1 },
  async run(ctx, [name], flags) {
    requireAdmin(ctx, "rate NAME");
    const changes: Record<string, number> = {};
    for (const key of ["down", "up"] as const) {
      const value = flags[key];
      if (typeof value !== "string") continue;
      try {
        changes[key] = parseSize(value);
      } catch (error) {
        throw new ShellUsageError((error as Error).message);
      }
    }
    const response = await ctx.connection.call("setrate", { user: name, ...changes });
    ctx.print(response.message);
  },
};

/** `Used 1.5K of 10M (0%), 10M free`, or a warning when over quota. */
export function describeUsage(used: number, quota: number): string {
  if (quota === 0) return `Used ${formatSize(used)}, no quota`;
  const percent = Math.floor(used * 100 / quota);
  const head = `Used ${formatSize(used)} of ${formatSize(quota)} (${percent}%)`;
  if (used > quota) {
    return `${head}: over quota, uploads are refused until you free ${formatSize(used - quota)}`;
  }
  return `${head}, ${formatSize(quota - used)} free`;
}
