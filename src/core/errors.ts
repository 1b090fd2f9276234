/** Where something is in a source file; line and column are 1-based. */
export interface SourcePosition {
  file: string;
  line: number;
  column: number;
}

export interface ConfigIssue extends SourcePosition {
  /** JSON-pointer-like path inside the document, e.g. `/keys/3/roles/0`; '' for the document. */
  path: string;
  message: string;
}

/** Exit codes, as DESIGN.md specifies. */
export const ExitCode = {
  ok: 0,
  error: 1,
  changes: 2,
  refused: 3,
  /** Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** An error a user can act on: printed without a stack trace. */
export class KeyplanError extends Error {
  readonly exitCode: ExitCodeValue = ExitCode.error;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The configuration is invalid; carries every issue found, each positioned. */
export class ConfigError extends KeyplanError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n'));
  }
}

export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.message}`;
}

/** Bad command-line usage. */
export class UsageError extends KeyplanError {}

/** A safety gate refused the apply; nothing was changed. */
export class UnsafePlanError extends KeyplanError {
  override readonly exitCode = ExitCode.refused;
}

/**
 * What a provider failure means for the engine, whatever the provider's protocol:
 * - refused: the request was understood and will not be done as sent (bad input, no permission);
 * - not-found: the key (or endpoint) does not exist;
 * - conflict: it clashes with the current state (a name already taken);
 * - stale: the key changed since it was read (a failed If-Match);
 * - unavailable: nothing was done; trying again later may work (unreachable, rate limited, 5xx);
 * - maybe-committed: the request may have taken effect, the answer was lost.
 */
export type ProviderErrorKind = 'refused' | 'not-found' | 'conflict' | 'stale' | 'unavailable' | 'maybe-committed';

/** The key service could not be reached or answered with an error. */
export class ProviderError extends KeyplanError {
  readonly kind: ProviderErrorKind;
  /** A create refused because a live key already holds the name: that key's id (another apply made it first). */
  nameHeldBy?: string;

  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
    kind?: ProviderErrorKind,
  ) {
    super(message);
    this.kind = kind ?? kindForStatus(status);
  }
}

/** The kind an HTTP status stands for; no status (no answer) is `unavailable`. */
export function kindForStatus(status: number | undefined): ProviderErrorKind {
  if (status === undefined || status === 408 || status === 429 || status >= 500) return 'unavailable';
  if (status === 404) return 'not-found';
  if (status === 409) return 'conflict';
  if (status === 412) return 'stale';
  return 'refused';
}

/** The request was certainly not carried out: nothing to resume. */
export function isRefusal(error: unknown): boolean {
  return error instanceof ProviderError && (error.kind === 'refused' || error.kind === 'not-found' || error.kind === 'conflict' || error.kind === 'stale');
}

/** The id of the live key that took the name a create asked for, when that is why the create was refused. */
export function nameHeldBy(error: unknown): string | undefined {
  return error instanceof ProviderError && error.kind === 'conflict' ? error.nameHeldBy : undefined;
}

/** A conflict's details that name the live key holding a name (not a replay's `state`). */
export function nameHolderOf(details: Record<string, unknown> | undefined): string | undefined {
  const { id, name, state } = details ?? {};
  return typeof id === 'string' && id.startsWith('key_') && typeof name === 'string' && state === undefined ? id : undefined;
}
