import type { ActionKind } from './plan-types.js';

/** `not-started`: the apply was interrupted (Ctrl-C, SIGTERM) before this action began. */
export type OutcomeStatus = 'done' | 'failed' | 'skipped' | 'not-started';

/** What became of one action. Holds ids and file names, never a secret. */
export interface ActionOutcome {
  kind: ActionKind;
  provider: string;
  name: string;
  status: OutcomeStatus;
  /** The key acted on (the old key of a rotation). */
  keyId?: string;
  /** The key created (create, rotate, finish). */
  newKeyId?: string;
  delivered: string[];
  /** Where the secret went when delivery failed. */
  recoveryFile?: string;
  /** For a rotation with overlap: when the old key will be revoked by a later apply. */
  retireAt?: number;
  message?: string;
  /** A create another apply won: the id of the key it made (its secret is in that run's sinks). */
  createdElsewhere?: string;
}
