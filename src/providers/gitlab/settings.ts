/**
 * `type: gitlab` in keys.yaml (pure, light). The token comes from GITLAB_TOKEN (`token_env` overrides);
 * `url` is the instance (default gitlab.com); exactly one of `user` (id or username: personal access
 * tokens, created by an administrator), `project` or `group` (id or full path: their access tokens).
 * `max_token_lifetime` and `expiry_required` describe the instance's token expiration settings.
 */
import type { ProviderNormalizer } from '../../core/config.js';
import { asString } from '../../core/config-source.js';
import { readDuration } from '../../core/config-values.js';
import type { Millis } from '../../core/model.js';

export const GITLAB_URL = 'https://gitlab.com';
export const GITLAB_TOKEN_ENV = 'GITLAB_TOKEN';
/** GitLab's default maximum lifetime of an access token. */
export const DEFAULT_MAX_LIFETIME_MS: Millis = 365 * 86_400_000;

export type GitLabTarget = { kind: 'user'; ref: string } | { kind: 'project'; ref: string } | { kind: 'group'; ref: string };

export interface GitLabSettings {
  url: string;
  tokenEnv: string;
  target: GitLabTarget;
  maxLifetimeMs: Millis;
  expiryRequired: boolean;
  timeoutMs?: Millis;
}

const TARGETS = ['user', 'project', 'group'] as const;

export const normalizeGitLab: ProviderNormalizer = ({ name, entry, doc, path, issues }) => {
  const given = TARGETS.filter((kind) => entry[kind] !== undefined);
  if (given.length !== 1) {
    const what = given.length === 0 ? 'names none of them' : `names ${given.join(' and ')}`;
    issues.add(doc, path, `provider ${name}: a gitlab provider manages the tokens of one user, project or group: write exactly one of user, project or group (it ${what})`, 'key');
    return undefined;
  }
  const kind = given[0] as GitLabTarget['kind'];
  const raw = entry[kind];
  const ref = typeof raw === 'number' ? String(raw) : asString(raw);
  if (ref === undefined) return undefined;
  const timeoutMs = readDuration(doc, [...path, 'timeout'], entry.timeout, issues);
  const maxLifetimeMs = readDuration(doc, [...path, 'max_token_lifetime'], entry.max_token_lifetime, issues) ?? DEFAULT_MAX_LIFETIME_MS;
  return {
    url: (asString(entry.url) ?? GITLAB_URL).replace(/\/+$/, ''),
    tokenEnv: asString(entry.token_env) ?? GITLAB_TOKEN_ENV,
    target: { kind, ref },
    maxLifetimeMs,
    expiryRequired: entry.expiry_required !== false,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  } satisfies GitLabSettings;
};
