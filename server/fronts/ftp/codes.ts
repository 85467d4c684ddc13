/**
 * FTP reply codes by what they mean (RFC 959, with RFC 2228 for security,
 * RFC 2428 for EPSV and RFC 3659 for SIZE/MDTM/MLST), so a verb's replies
 * read as words. Refusals that come from a core error take their code from
 * the one error table instead (`core/errors.ts`).
 */
export const Code = {
  /** File status okay; about to open the data connection. */
  OPENING_DATA: 150,
  OK: 200,
  /** Command not implemented, superfluous at this site (ALLO). */
  NOT_NEEDED: 202,
  SYSTEM_STATUS: 211,
  /** File status (SIZE, MDTM, HASH). */
  FILE_STATUS: 213,
  HELP: 214,
  SYSTEM_TYPE: 215,
  READY: 220,
  CLOSING: 221,
  /** Data connection open, no transfer in progress (ABOR with nothing to abort). */
  DATA_OPEN: 225,
  /** Closing the data connection: the transfer completed. */
  TRANSFER_COMPLETE: 226,
  PASSIVE: 227,
  EXTENDED_PASSIVE: 229,
  LOGGED_IN: 230,
  /** Security data exchange complete (AUTH TLS accepted). */
  AUTH_OK: 234,
  FILE_ACTION_OK: 250,
  PATH_CREATED: 257,
  NEED_PASSWORD: 331,
  /** Requested file action pending further information (RNFR, REST). */
  PENDING: 350,
  /** Service not available, closing the control connection. */
  SERVICE_CLOSING: 421,
  CANNOT_OPEN_DATA: 425,
  TRANSFER_ABORTED: 426,
  SYNTAX_ERROR: 500,
  BAD_ARGUMENT: 501,
  NOT_IMPLEMENTED: 502,
  BAD_SEQUENCE: 503,
  NOT_IMPLEMENTED_FOR_PARAMETER: 504,
  /** Data connections must be protected (PROT P) on this server. */
  PROTECTION_REQUIRED: 521,
  /** Network protocol not supported (EPSV/EPRT of another address family). */
  PROTOCOL_NOT_SUPPORTED: 522,
  NOT_LOGGED_IN: 530,
  /** Request denied for policy reasons (RFC 2228). */
  POLICY_DENIED: 534,
  /** Requested protection level not supported (RFC 2228). */
  PROTECTION_LEVEL_NOT_SUPPORTED: 536,
  FILE_UNAVAILABLE: 550,
  /** File name not allowed. */
  NAME_NOT_ALLOWED: 553,
} as const;
