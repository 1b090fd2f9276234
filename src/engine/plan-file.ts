import { readFile } from 'node:fs/promises';
import { KeyplanError } from '../core/errors.js';
import type { Plan } from '../core/plan-types.js';

/**
 * A saved plan: the actions exactly as planned, and the fingerprint of the remote keys each provider had.
 * It holds no secret: a plan never does.
 */
export interface PlanFile {
  kind: 'keyplan-plan';
  format_version: 1;
  config_path: string;
  plan: Plan;
}

export function serializePlanFile(plan: Plan, configPath: string): string {
  const file: PlanFile = { kind: 'keyplan-plan', format_version: 1, config_path: configPath, plan };
  return `${JSON.stringify(file, null, 2)}\n`;
}

export async function readPlanFile(path: string): Promise<PlanFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new KeyplanError(`cannot read plan file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new KeyplanError(`${path} is not a keyplan plan file (not JSON)`);
  }
  const file = parsed as Partial<PlanFile>;
  if (file.kind !== 'keyplan-plan' || file.format_version !== 1 || !file.plan || !Array.isArray(file.plan.providers)) {
    throw new KeyplanError(`${path} is not a keyplan plan file of format version 1`);
  }
  return file as PlanFile;
}
