/**
 * The release version of ftpx, shown by `ftpx --version` and exchanged in `hello`.
 *
 * @module
 */

/** Release version of this build. */
export const FTPX_VERSION = "0.1.0";
