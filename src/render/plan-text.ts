import { DEFAULT_OWNERSHIP } from '../core/model.js';
import { describeExpiry } from '../core/expiry.js';
import { isoTime, plural } from '../core/humanize.js';
import { describeRoleChange } from '../core/key-changes.js';
import { actionKeyId, hasChanges, summarize } from '../core/plan.js';
import type { FieldChange, Finding, Plan, PlannedAction, ProviderPlan } from '../core/plan-types.js';
import { plainPaint, type Paint, type Style } from './paint.js';

const SYMBOL: Record<PlannedAction['kind'], [string, Style]> = {
  create: ['+', 'green'],
  update: ['~', 'yellow'],
  rotate: ['-/+', 'magenta'],
  revoke: ['-', 'red'],
  finish: ['~', 'cyan'],
};

export interface TextOptions {
  paint?: Paint;
  /** Shown beside each provider name: "local store .keyplan/keys.db". */
  describeProvider?: (name: string) => string;
}

/** Lines written per chunk by planTextChunks. */
const LINES_PER_CHUNK = 1000;

/** Terraform-like text for a terminal. */
export function renderPlanText(plan: Plan, options: TextOptions = {}): string {
  return [...planTextChunks(plan, options)].join('');
}

/** renderPlanText's text in chunks of lines, so a plan of any size is written without being held whole. */
export function* planTextChunks(plan: Plan, options: TextOptions = {}): Generator<string> {
  let batch: string[] = [];
  for (const line of planTextLines(plan, options)) {
    batch.push(line);
    if (batch.length === LINES_PER_CHUNK) {
      yield `${batch.join('\n')}\n`;
      batch = [];
    }
  }
  if (batch.length > 0) yield `${batch.join('\n')}\n`;
}

function* planTextLines(plan: Plan, options: TextOptions): Generator<string> {
  const paint = options.paint ?? plainPaint;
  for (const providerPlan of plan.providers) yield* providerSection(providerPlan, paint, options.describeProvider);
  yield summaryLine(plan, paint);
}

export function summaryLine(plan: Plan, paint: Paint = plainPaint): string {
  const problems = plan.providers.reduce((n, p) => n + p.problems.length, 0);
  if (problems > 0) return paint('red', `Plan failed: ${plural(problems, 'problem')} must be fixed first.`);
  if (!hasChanges(plan)) return paint('bold', 'No changes. The key service matches keys.yaml.');
  const s = summarize(plan);
  const finish = s.finish > 0 ? `, ${s.finish} to finish` : '';
  return paint('bold', `Plan: ${s.create} to create, ${s.update} to update, ${s.rotate} to rotate, ${s.revoke} to revoke${finish}.`);
}

function* providerSection(providerPlan: ProviderPlan, paint: Paint, describe?: (name: string) => string): Generator<string> {
  const where = describe ? ` (${describe(providerPlan.provider)})` : '';
  const owned = providerPlan.ownership && providerPlan.ownership !== DEFAULT_OWNERSHIP ? `, ownership ${providerPlan.ownership}` : '';
  yield paint('bold', `Provider ${providerPlan.provider}${where}${owned}:`);
  yield '';
  for (const problem of providerPlan.problems) {
    const source = problem.source ?? problem.desired?.source;
    const at = source ? `${source.file}:${source.line}:${source.column}: ` : '';
    yield `  ${paint('red', 'error')} ${at}${problem.name}: ${problem.message}`;
  }
  if (providerPlan.problems.length > 0) yield '';
  for (const notice of providerPlan.notices ?? []) {
    const at = notice.source ? `${notice.source.file}:${notice.source.line}:${notice.source.column}: ` : '';
    yield `  ${paint('yellow', 'warning')} ${at}${notice.name ? `${notice.name}: ` : ''}${notice.message}`;
  }
  if ((providerPlan.notices ?? []).length > 0) yield '';
  if (providerPlan.actions.length === 0 && providerPlan.problems.length === 0) yield* ['  No changes.', ''];
  for (const action of providerPlan.actions) {
    yield* actionLines(action, paint);
    yield '';
  }
  for (const pending of providerPlan.pending) {
    const until = pending.retireAt === null ? `the secret of its replacement ${pending.replacedBy} is delivered (run apply to finish)` : `${isoTime(pending.retireAt)}, the end of the overlap after ${pending.replacedBy} was rotated`;
    if (pending.warning) {
      yield `  ${paint('dim', `… ${pending.remote.name} (${pending.remote.id}) stays, though its overlap after ${pending.replacedBy} was rotated ended`)}`;
      yield `      ${paint('yellow', `! ${pending.warning}`)}`;
    } else yield `  ${paint('dim', `… ${pending.remote.name} (${pending.remote.id}) stays until ${until}`)}`;
  }
  if (providerPlan.pending.length > 0) yield '';
  for (const entry of providerPlan.droppedJournal) yield `  ${paint('dim', `… ${entry.name}: an interrupted apply's record is let go: ${entry.reason}`)}`;
  if (providerPlan.droppedJournal.length > 0) yield '';
  if (providerPlan.findings.length > 0) {
    yield* findingLines(providerPlan.findings, paint);
    yield '';
  }
}

function actionLines(action: PlannedAction, paint: Paint): string[] {
  const [symbol, style] = SYMBOL[action.kind];
  const keyId = actionKeyId(action);
  const id = keyId === null ? '' : ` (${keyId})`;
  const lines = [`  ${paint(style, `${symbol} ${action.kind}`)} ${paint('bold', action.name)}${id}`];
  if (action.kind === 'create') {
    lines.push(...specLines(action.spec.description, action.spec.roles, describeExpiry(action.spec.expires), action.desired?.owner), ...providerFieldLines(action));
  } else if (action.kind === 'finish' && action.keyId === null) {
    lines.push(...specLines(action.spec.description, action.spec.roles, describeExpiry(action.spec.expires), action.desired?.owner), ...providerFieldLines(action));
  } else if (action.kind === 'update' || action.kind === 'rotate') {
    for (const change of action.changes) lines.push(changeLine(change, paint));
    if (action.kind === 'rotate' && action.roleChange) lines.push(`      ${paint('dim', describeRoleChange(action.roleChange))}`);
  }
  for (const reason of action.reasons) lines.push(`      ${paint('dim', `# ${reason}`)}`);
  for (const warning of action.warnings) {
    const gate = warning.gate === 'allow-in-use' ? ' [needs --allow-in-use]' : warning.gate === 'prevent-revoke' ? ' [refused: prevent_revoke]' : '';
    lines.push(`      ${paint('yellow', `! ${warning.message}${gate}`)}`);
  }
  return lines;
}

function specLines(description: string, roles: string[], expires: string, owner: string | undefined): string[] {
  // A key without a description shows none, rather than `description: ""`.
  const lines = [...(description === '' ? [] : [`      description: ${JSON.stringify(description)}`]), `      roles:       ${roles.join(', ')}`, `      expires:     ${expires}`];
  if (owner) lines.push(`      owner:       ${owner}`);
  return lines;
}

/** What only the provider's kind of service has, as written on the key: `gitlab: {"access_level":"developer"}`. */
function providerFieldLines(action: PlannedAction): string[] {
  const fields = action.desired?.providerFields;
  if (!fields) return [];
  return [`      ${`${fields.type}:`.padEnd(12)} ${JSON.stringify(fields.values)}`];
}

function changeLine(change: FieldChange, paint: Paint): string {
  return `      ${paint('yellow', '~')} ${change.field}: ${formatValue(change.before)} → ${formatValue(change.after)}`;
}

export function formatValue(value: FieldChange['before']): string {
  if (value === null) return 'none';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return `{${Object.entries(value).map(([k, v]) => `${k}: ${v}`).join(', ')}}`;
}

function findingLines(findings: readonly Finding[], paint: Paint): string[] {
  const lines = ['  Findings:'];
  for (const finding of [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1))) {
    const severity = finding.severity === 'error' ? paint('red', 'error  ') : paint('yellow', 'warning');
    lines.push(`    ${severity} ${finding.kind.padEnd(16)} ${finding.name} (${finding.keyId}): ${finding.message}`);
  }
  return lines;
}
