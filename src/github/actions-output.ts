import { appendFile, stat } from 'node:fs/promises';
import type { SourcePosition } from '../core/errors.js';
import type { Env } from './token.js';

/** GitHub keeps at most 1 MiB of step summary per step; keyplan stays below it. */
export const STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024 - 16 * 1024;

/** Bytes still free in the step summary, or undefined outside Actions (GITHUB_STEP_SUMMARY unset). */
export async function stepSummaryRoom(env: Env): Promise<number | undefined> {
  const path = env.GITHUB_STEP_SUMMARY;
  if (!path) return undefined;
  const used = await stat(path).then(
    (s) => s.size,
    () => 0,
  );
  return Math.max(0, STEP_SUMMARY_LIMIT_BYTES - used);
}

/** Appends markdown to the step summary, cut at a line (with a note) when it would not fit. */
export async function appendStepSummary(env: Env, markdown: string): Promise<void> {
  const path = env.GITHUB_STEP_SUMMARY;
  const room = await stepSummaryRoom(env);
  if (!path || room === undefined) return;
  await appendFile(path, `${capToBytes(markdown, room)}\n`);
}

/** The text, or as many whole lines as fit in `bytes` followed by a note that the rest was cut. */
export function capToBytes(text: string, bytes: number): string {
  if (Buffer.byteLength(text) <= bytes) return text;
  const note = '\n\n> [!NOTE]\n> Cut here: GitHub keeps at most 1 MiB of step summary. Run the same keyplan command locally for the rest.\n';
  const budget = bytes - Buffer.byteLength(note);
  const lines = text.split('\n');
  const kept: string[] = [];
  let used = 0;
  for (const line of lines) {
    const size = Buffer.byteLength(line) + 1;
    if (used + size > budget) break;
    kept.push(line);
    used += size;
  }
  return `${closeOpenBlocks(kept.join('\n'))}${note}`;
}

/** Closes a `<details>` or code fence left open by a cut, so the rest of the summary still renders. */
function closeOpenBlocks(text: string): string {
  let out = text;
  if ((out.match(/^```/gm)?.length ?? 0) % 2 === 1) out += '\n```';
  const open = (out.match(/<details>/g)?.length ?? 0) - (out.match(/<\/details>/g)?.length ?? 0);
  for (let i = 0; i < open; i++) out += '\n\n</details>';
  return out;
}

export interface Annotation {
  level: 'error' | 'warning' | 'notice';
  message: string;
  title?: string;
  at?: SourcePosition;
}

/** A workflow command line, `::error file=keys.yaml,line=3,col=5,title=…::message`, escaped as the runner expects. */
export function annotationLine(annotation: Annotation): string {
  const props: string[] = [];
  if (annotation.at) props.push(`file=${escapeProperty(annotation.at.file)}`, `line=${annotation.at.line}`, `col=${annotation.at.column}`);
  if (annotation.title) props.push(`title=${escapeProperty(annotation.title)}`);
  return `::${annotation.level}${props.length > 0 ? ` ${props.join(',')}` : ''}::${escapeData(annotation.message)}`;
}

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Writes `name=value` pairs to the step's outputs file (GITHUB_OUTPUT), when there is one. */
export async function setStepOutputs(env: Env, outputs: Record<string, string>): Promise<void> {
  const path = env.GITHUB_OUTPUT;
  if (!path) return;
  const lines = Object.entries(outputs).map(([name, value]) => {
    if (!value.includes('\n')) return `${name}=${value}\n`;
    const delimiter = `keyplan_${name}_${Buffer.from(value).length}_EOF`;
    return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  });
  await appendFile(path, lines.join(''));
}
