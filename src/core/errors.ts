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

/** The key service could not be reached or answered with an error. */
export class ProviderError extends KeyplanError {
  constructor(
    message: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}
