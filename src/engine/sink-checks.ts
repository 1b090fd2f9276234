import { randomBytes } from 'node:crypto';
import { open, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Plan, PlanProblem, PlannedAction } from '../core/plan-types.js';
import { displayPath } from '../io/display-path.js';

/**
 * Whether apply could write each file a new secret of the plan goes to: the file is no directory, the nearest
 * existing ancestor of its directory is a directory (not a regular file) in which a file can be created (probed
 * with a hidden file, removed at once). Each failure is a plan problem naming the real cause.
 */
export async function fileSinkProblems(plan: Plan, secretsOut: string | undefined): Promise<PlanProblem[]> {
  const creating = plan.providers.flatMap((p) => p.actions).filter((a) => a.kind === 'create' || a.kind === 'rotate' || a.kind === 'finish');
  if (creating.length === 0) return [];
  const verdicts = new Map<string, Promise<string | undefined>>();
  const verdict = (path: string) => {
    const absolute = resolve(path);
    let found = verdicts.get(absolute);
    if (!found) {
      found = whyNotWritable(absolute);
      verdicts.set(absolute, found);
    }
    return found;
  };
  const problems: PlanProblem[] = [];
  for (const action of creating) {
    const paths = (action.desired?.deliver ?? []).flatMap((d) => (d.type === 'file' ? [{ path: d.path, what: 'deliver:' }] : []));
    if (secretsOut) paths.push({ path: secretsOut, what: '--secrets-out' });
    for (const { path, what } of paths) {
      const why = await verdict(path);
      if (why !== undefined) problems.push(problem(action, `${what} ${displayPath(resolve(path))} cannot be written: ${why}`));
    }
  }
  return problems;
}

/** Why a secret file at `path` (absolute) could not be written, or undefined when it could. */
export async function whyNotWritable(path: string): Promise<string | undefined> {
  const target = await stat(path).catch(() => undefined);
  if (target?.isDirectory()) return 'it is a directory';
  let dir = dirname(path);
  for (;;) {
    const found = await stat(dir).then(
      (s) => s,
      (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' || error.code === 'ENOTDIR' ? undefined : error),
    );
    if (found instanceof Error) return `${displayPath(dir)} cannot be read (${(found as NodeJS.ErrnoException).code ?? 'error'})`;
    if (found && !found.isDirectory()) return `${displayPath(dir)} is a regular file, not a directory`;
    if (found) return probe(dir);
    const parent = dirname(dir);
    if (parent === dir) return `no part of its directory exists`;
    dir = parent;
  }
}

async function probe(dir: string): Promise<string | undefined> {
  const name = join(dir, `.keyplan-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const handle = await open(name, 'wx', 0o600);
    await handle.close();
    await unlink(name);
    return undefined;
  } catch (error) {
    return describeWriteError(error, dir);
  }
}

/** A file-system error of a secret's write, as its real cause (never just ENOENT for a place that takes no files). */
export function describeWriteError(error: unknown, dir?: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  const where = dir === undefined ? 'its directory' : displayPath(dir);
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `permission denied: no new file may be created in ${where} (${code})`;
    case 'EROFS':
      return `${where} is on a read-only file system (EROFS)`;
    case 'ENOTDIR':
      return 'a part of the path is a regular file, not a directory (ENOTDIR)';
    case 'EISDIR':
      return 'it is a directory (EISDIR)';
    case 'ENOENT':
      return dir === undefined
        ? 'its directory does not take new files, or vanished (ENOENT)'
        : `${where} does not take new files (a special or read-only file system) (ENOENT)`;
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    default:
      return code ? `${code} (${(error as NodeJS.ErrnoException).syscall ?? 'write'})` : error instanceof Error ? error.message : 'write failed';
  }
}

function problem(action: PlannedAction, message: string): PlanProblem {
  const source = action.desired?.fields?.deliver ?? action.desired?.source;
  return { provider: action.provider, name: action.name, message, ...(action.desired ? { desired: action.desired } : {}), ...(source ? { source } : {}) };
}
