import type { AuditReport, AuditedKey } from '../core/audit.js';
import { FINDING_ORDER } from '../core/audit.js';
import { DEFAULT_SEVERITY } from '../core/findings.js';
import type { Finding, FindingKind } from '../core/plan-types.js';
import { findingLocation } from './audit-cells.js';
import { prettyJsonChunks } from './audit-json-chunks.js';

/** Each finding kind's rule: its SARIF name and what it means (the HTML report says the same). */
export const FINDING_RULES: Record<FindingKind, { name: string; text: string }> = {
  expired: { name: 'ExpiredKey', text: 'The key is past its expiry but still listed as active.' },
  'privileged-stale': { name: 'PrivilegedStaleKey', text: 'The key is stale or never used and holds a role that grants privileged (write) permissions.' },
  'no-expiry': { name: 'MissingExpiry', text: 'The key holds a role that policy.require_expiry_for says must expire, but it never expires.' },
  expiring: { name: 'ExpiringKey', text: 'The key expires within policy.expiry_warning.' },
  stale: { name: 'StaleKey', text: 'The key was last used longer ago than policy.stale_after.' },
  'never-used': { name: 'NeverUsedKey', text: 'The key was never used and was created longer ago than policy.unused_grace.' },
  'rotation-due': { name: 'RotationDue', text: 'The key is older than its rotation.every.' },
  unmanaged: { name: 'UnmanagedKey', text: 'The key exists in the key service but is neither declared in keys.yaml nor managed by keyplan.' },
  'managed-elsewhere': { name: 'ManagedElsewhere', text: 'The key is managed by another keyplan configuration (another ownership:); this one never touches it.' },
};

export interface SarifOptions {
  toolVersion: string;
}

/**
 * SARIF 2.1.0 for code scanning: one rule per finding kind, each result at the key's entry in its YAML file
 * (undeclared keys at line 1 of the root config). Paths are relative to the working directory (the repo root).
 */
export function auditToSarif(report: AuditReport, options: SarifOptions): object {
  return sarifDocument(options, [...findingsOf(report)].map((found) => result(found, report)));
}

/** `JSON.stringify(auditToSarif(report, options), null, 2)` and a newline, in chunks to write one after another. */
export function* auditSarifChunks(report: AuditReport, options: SarifOptions): Generator<string> {
  yield* prettyJsonChunks((results) => sarifDocument(options, results), findingsOf(report), (found) => result(found, report));
  yield '\n';
}

function sarifDocument(options: SarifOptions, results: unknown): object {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'keyplan',
            version: options.toolVersion,
            rules: FINDING_ORDER.map((kind) => ({
              id: kind,
              name: FINDING_RULES[kind].name,
              shortDescription: { text: FINDING_RULES[kind].text },
              defaultConfiguration: { level: DEFAULT_SEVERITY[kind] },
            })),
          },
        },
        results,
      },
    ],
  };
}

interface KeyFinding {
  key: AuditedKey;
  finding: Finding;
}

function* findingsOf(report: AuditReport): Generator<KeyFinding> {
  for (const key of report.keys) for (const finding of key.findings) yield { key, finding };
}

function result({ key, finding }: KeyFinding, report: AuditReport): object {
  const at = findingLocation(key, report.rootFile);
  return {
    ruleId: finding.kind,
    ruleIndex: FINDING_ORDER.indexOf(finding.kind),
    level: finding.severity,
    message: { text: `${key.provider}/${key.remote.name} (${key.remote.id}): ${finding.message}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: artifactLocation(at.file),
          region: { startLine: at.line, startColumn: at.column },
        },
      },
    ],
    partialFingerprints: { keyplanFinding: `${key.provider}/${key.remote.id}/${finding.kind}` },
    properties: { provider: key.provider, keyId: key.remote.id, keyName: key.remote.name, declared: key.desired !== undefined },
  };
}

/** A relative path (to the repo root) as a relative URI reference; an absolute one as a file: URI. */
function artifactLocation(file: string): object {
  const slashed = file.replaceAll('\\', '/');
  const encoded = slashed.split('/').map(encodeURIComponent).join('/');
  if (slashed.startsWith('/')) return { uri: `file://${encoded}` };
  if (/^[A-Za-z]:\//.test(slashed)) return { uri: `file:///${slashed.slice(0, 2)}${encoded.slice(encoded.indexOf('/'))}` };
  return { uri: encoded, uriBaseId: '%SRCROOT%' };
}
