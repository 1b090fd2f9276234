import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import { ExitCode, KeyplanError, UnsafePlanError } from '../../core/errors.js';
import type { ActionOutcome } from '../../core/apply-outcome.js';
import { remoteFingerprint } from '../../core/fingerprint.js';
import { hasChanges } from '../../core/plan.js';
import type { Plan } from '../../core/plan-types.js';
import { refreshDependencyWarnings } from '../../core/refresh.js';
import { checkGates, type GateRefusal } from '../../core/safety.js';
import { applyPlan, resumeJournal, type ApplyContext } from '../../engine/apply.js';
import { checkSecretDestinations } from '../../engine/apply-preflight.js';
import { SecretDelivery } from '../../engine/deliver.js';
import { Journal } from '../../engine/journal.js';
import { readPlanFile } from '../../engine/plan-file.js';
import { planWith } from '../../engine/plan.js';
import { readSnapshots, selectProviderNames, withProviders } from '../../engine/providers.js';
import { loadConfig } from '../../io/load-config.js';
import { applyReportJson, applySummary, outcomeLine } from '../../render/apply-report.js';
import { renderPlanText } from '../../render/plan-text.js';
import type { DesiredState } from '../../core/model.js';
import type { Provider } from '../../providers/index.js';
import { addConfigOption, formatOption, parsePositiveInt, providerOptions, terminalPaint } from '../common.js';
import { printOut } from '../output.js';
import { ProgressReporter } from '../progress.js';
import { confirm, isInteractive } from '../prompt.js';
import type { RegisterCommand } from './index.js';

interface ApplyOptions {
  config: string;
  provider?: string;
  autoApprove?: boolean;
  allowInUse?: boolean;
  force?: boolean;
  parallelism: number;
  secretsOut?: string;
  format: 'text' | 'json';
}

export const registerApply: RegisterCommand = (program, setExit) => {
  const command = new Command('apply')
    .description('carry out the plan: creates and updates, rotations (create, deliver, retire), revokes last')
    .argument('[planfile]', 'apply exactly this saved plan (from `keyplan plan --out`)')
    .option('--provider <name>', 'apply only this provider')
    .option('--auto-approve', 'do not ask for confirmation')
    .option('--allow-in-use', 'revoke keys even when they were used recently or have consumers')
    .option('--force', 'apply even when revokes and rotations exceed max_change_fraction')
    .option('--parallelism <n>', 'actions carried out at once', parsePositiveInt('--parallelism'), 8)
    .option('--secrets-out <file>', 'also write every new secret to this file (mode 0600; .json for JSON, else dotenv)')
    .addOption(formatOption(['text', 'json'], 'text'));
  addConfigOption(command).action(async (planFile: string | undefined, options: ApplyOptions) => {
    const saved = planFile ? await readPlanFile(planFile) : undefined;
    const configPath = saved ? saved.config_path : options.config;
    const state = await loadConfig(configPath, { now: Date.now() });
    const names = saved ? saved.plan.providers.map((p) => p.provider) : selectProviderNames(state, options.provider);
    const code = await withProviders(state, names, providerOptions(), (providers) => runApply(state, configPath, providers, saved?.plan, options));
    setExit(code);
  });
  program.addCommand(command);
};

async function runApply(state: DesiredState, configPath: string, providers: ReadonlyMap<string, Provider>, saved: Plan | undefined, options: ApplyOptions): Promise<number> {
  const workDir = join(dirname(resolve(configPath)), '.keyplan');
  const journal = await Journal.open(join(workDir, 'journal.json'));
  const paint = terminalPaint(process.stderr);
  const json = options.format === 'json';
  const progress = new ProgressReporter(process.stderr);
  const log = (line: string) => progress.line(line);
  const ctx: ApplyContext = {
    providers,
    journal,
    delivery: new SecretDelivery(join(workDir, `recovery-${new Date().toISOString().replace(/[:.]/g, '-')}.env`)),
    parallelism: options.parallelism,
    ...(options.secretsOut ? { secretsOut: options.secretsOut } : {}),
    now: Date.now,
    currentTargets: (provider, name) => state.keys.find((k) => k.provider === provider && k.name === name)?.deliver,
    onOutcome: (outcome) => progress.settled(outcomeLine(outcome, paint)),
  };

  const resumed: ActionOutcome[] = [];
  if (journal.pending().length > 0) {
    log(`An earlier apply was interrupted with ${journal.pending().length} new secret(s) not yet delivered; finishing that first.`);
    resumed.push(...(await resumeJournal(ctx)));
  }

  const plan = saved ? await checkSavedPlan(saved, state, providers) : (await planWith(state, providers, Date.now())).plan;
  const text = renderPlanText(plan, { paint, describeProvider: (name) => providers.get(name)?.description ?? name });
  process.stderr.write(text);
  if (plan.providers.some((p) => p.problems.length > 0)) throw new KeyplanError('the plan has problems (above); fix them and run apply again. Nothing was changed.');
  if (!hasChanges(plan)) return finish(resumed, json);

  checkSecretDestinations(plan, options.secretsOut, process.env);
  await passGates(checkGates(plan, { allowInUse: Boolean(options.allowInUse), force: Boolean(options.force) }), Boolean(options.autoApprove));
  if (!options.autoApprove) {
    if (!isInteractive()) throw new KeyplanError('apply needs confirmation: run it at a terminal, or pass --auto-approve. Nothing was changed.');
    if (!(await confirm('Apply these changes? Only "yes" is accepted: ', 'yes'))) {
      log('Apply cancelled. Nothing was changed.');
      return ExitCode.error;
    }
  }
  progress.start(plan.providers.reduce((n, p) => n + p.actions.length, 0));
  const outcomes = await applyPlan(plan, ctx);
  progress.finish();
  return finish([...resumed, ...outcomes], json);
}

function finish(outcomes: ActionOutcome[], json: boolean): number {
  if (json) printOut(JSON.stringify(applyReportJson(outcomes), null, 2));
  process.stderr.write(`${applySummary(outcomes, terminalPaint(process.stderr))}\n`);
  return outcomes.every((o) => o.status === 'done') ? ExitCode.ok : ExitCode.error;
}

/** In-use revokes may be confirmed one by one at a terminal; every other refusal stops the apply (exit 3). */
async function passGates(refusals: GateRefusal[], autoApprove: boolean): Promise<void> {
  const remaining: GateRefusal[] = [];
  for (const refusal of refusals) {
    const name = refusal.keyName;
    const askable = refusal.gate === 'allow-in-use' && !autoApprove && isInteractive() && name;
    if (askable && (await confirm(`${refusal.message}\nType the key name (${name}) to revoke it anyway: `, name))) continue;
    remaining.push(refusal);
  }
  if (remaining.length > 0) {
    throw new UnsafePlanError(`apply refused; nothing was changed:\n${remaining.map((r) => `  - ${r.message}`).join('\n')}`);
  }
}

/** A saved plan applies only to the remote keys it was made from. */
async function checkSavedPlan(plan: Plan, state: DesiredState, providers: ReadonlyMap<string, Provider>): Promise<Plan> {
  const snapshots = await readSnapshots(providers);
  for (const providerPlan of plan.providers) {
    const fresh = snapshots[providerPlan.provider];
    if (!fresh || remoteFingerprint(fresh.keys) !== providerPlan.remoteFingerprint) {
      throw new KeyplanError(
        `the saved plan is stale: the keys at provider ${providerPlan.provider} changed since it was made. Run keyplan plan again. Nothing was changed.`,
      );
    }
  }
  const latest = new Map(Object.values(snapshots).flatMap((s) => s.keys.map((k) => [k.id, k] as const)));
  return refreshDependencyWarnings(plan, latest, state.policy, Date.now());
}
