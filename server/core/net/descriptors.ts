/** Whether the process can take one more file descriptor (a connection, a file). */

/** False when the process cannot open one more file descriptor. */
export function descriptorsAvailable(): boolean {
  try {
    Deno.openSync("/dev/null").close();
    return true;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    return code !== "EMFILE" && code !== "ENFILE";
  }
}
