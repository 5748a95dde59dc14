/**
 * The CLI's exit codes, one list for every command (scripts and on-call runbooks test them).
 */
export const EXIT = {
  /** Done, or nothing to do. */
  ok: 0,
  /** It failed: an AWS call, a smoke or preflight check, a bug. */
  failed: 1,
  /** The command line or the config was wrong: nothing was done. */
  usage: 2,
  /** `advance --wait`: the deployment was rolled back while it was followed. */
  rolledBack: 3,
  /** `advance`: a gate refused it. */
  refused: 4,
  /** The operator answered no at the prompt. */
  notConfirmed: 5,
  /** `advance --wait`: the wait ended while the deployment was still in progress. */
  waitTimedOut: 6,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
