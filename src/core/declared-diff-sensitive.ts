import { shownPath, type SensitiveChange } from './declared-diff-types.js';
import { formatDuration } from './duration.js';
import { DEFAULT_OWNERSHIP, DEFAULT_POLICY, type DesiredState, type Policy, type ProviderConfig } from './model.js';

/** What each provider setting means for a reviewer when it changes. */
const SETTING_WORDS: Record<string, string> = {
  url: 'the service tokens are sent to',
  tokenEnv: 'the environment variable the token is read from',
  auth: 'the environment variables the credentials are read from',
  package: 'the npm package whose code runs on plan and apply',
  options: "the package provider's options",
  path: 'the local key store file',
  timeoutMs: 'the request timeout',
};

const POLICY_FIELDS: Record<keyof Policy, string> = {
  staleAfterMs: 'stale_after', unusedGraceMs: 'unused_grace', inUseWindowMs: 'in_use_window', expiryWarningMs: 'expiry_warning', maxLifetimeMs: 'max_lifetime',
  requireExpiryFor: 'require_expiry_for', prune: 'prune', maxChangeFraction: 'max_change_fraction', minKeysForThreshold: 'min_keys_for_threshold',
};

/** Changes of `providers:`, `policy:` and `ownership:`: they decide where tokens go and what may be revoked. */
export function sensitiveChanges(base: DesiredState | undefined, head: DesiredState, baseDir: string): SensitiveChange[] {
  return [...providerChanges(base?.providers ?? {}, head.providers, baseDir), ...policyChanges(base?.policy ?? DEFAULT_POLICY, head.policy), ...ownershipChange(base?.ownership ?? DEFAULT_OWNERSHIP, head.ownership)];
}

function providerChanges(before: Record<string, ProviderConfig>, after: Record<string, ProviderConfig>, baseDir: string): SensitiveChange[] {
  const found: SensitiveChange[] = [];
  for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort()) {
    const [old, now] = [before[name], after[name]];
    const subject = `providers.${name}`;
    if (!now) {
      found.push({ section: 'providers', subject, before: describe(old, baseDir), after: '', message: `provider ${name} is removed` });
      continue;
    }
    if (!old || old.type !== now.type) {
      const code = now.type === 'package' ? `: it loads and runs the npm package ${String(now.settings.package)} on plan and apply` : '';
      found.push({ section: 'providers', subject, before: describe(old, baseDir), after: describe(now, baseDir), message: `provider ${name} ${old ? `changes type from ${old.type} to ${now.type}` : `is added (type ${now.type})`}${code}` });
      continue;
    }
    for (const setting of [...new Set([...Object.keys(old.settings), ...Object.keys(now.settings)])].filter((s) => s !== 'baseDir').sort()) {
      const [was, is] = [settingText(old.settings[setting], baseDir), settingText(now.settings[setting], baseDir)];
      if (was === is) continue;
      found.push({ section: 'providers', subject: `${subject}.${setting}`, before: was, after: is, message: `provider ${name}: ${SETTING_WORDS[setting] ?? setting} changes` });
    }
  }
  return found;
}

function describe(config: ProviderConfig | undefined, baseDir: string): string {
  if (!config) return '';
  const settings = Object.entries(config.settings).filter(([name]) => name !== 'baseDir').map(([name, value]) => `${name}=${settingText(value, baseDir)}`);
  return [`type=${config.type}`, ...settings].join(' ');
}

function settingText(value: unknown, baseDir: string): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return shownPath(value, baseDir);
  return JSON.stringify(value);
}

function policyChanges(before: Policy, after: Policy): SensitiveChange[] {
  const found: SensitiveChange[] = [];
  for (const [field, written] of Object.entries(POLICY_FIELDS) as [keyof Policy, string][]) {
    const [was, is] = [policyText(field, before[field]), policyText(field, after[field])];
    if (was !== is) found.push({ section: 'policy', subject: `policy.${written}`, before: was, after: is, message: `policy.${written} changes` });
  }
  return found;
}

function policyText(field: keyof Policy, value: Policy[keyof Policy]): string {
  if (value === null) return 'none';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'number' && field.endsWith('Ms')) return formatDuration(value);
  return String(value);
}

function ownershipChange(before: string, after: string): SensitiveChange[] {
  if (before === after) return [];
  return [{ section: 'ownership', subject: 'ownership', before, after, message: `ownership changes: keys marked ${before} are no longer this configuration's, and keys marked ${after} become so` }];
}
