import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Needs `npm run build` first (npm test does it): this spawns the real CLI.
const repo = join(import.meta.dirname, '../..');
const bin = join(repo, 'bin/keyplan.js');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-validate-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(args: string[], cwd = dir) {
  const result = spawnSync(process.execPath, [bin, 'validate', ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  expect(result.stdout + result.stderr).not.toContain('    at ');
  return result;
}

const SEVERAL_MISTAKES = [
  'version: 1',
  'policy:',
  '  max_lifetime: 90d',
  'keys:',
  '  - name: A',
  '    roles: READONLY',
  '    expires: 400d',
  '  - name: A',
  '    roles: [READONLY]',
  '    expires: 30d',
  '    colour: red',
  '',
].join('\n');

describe('keyplan validate', () => {
  it('accepts the repository keys.yaml (the default -c) and the multi-team example', () => {
    const root = run([], repo);
    expect(root.status).toBe(0);
    expect(root.stdout).toMatch(/^keys\.yaml is valid: \d+ keys in 1 file, 1 provider\.\n$/);
    const example = run(['-c', 'examples/multi-team/keys.yaml'], repo);
    expect(example.status).toBe(0);
    expect(example.stdout).toMatch(/^examples\/multi-team\/keys\.yaml is valid: 5 keys in 4 files, 1 provider\.\n$/);
  });

  it('lists every mistake on stderr as file:line:column: message, with a count, and exits 1', async () => {
    await writeFile(join(dir, 'bad.yaml'), SEVERAL_MISTAKES);
    const result = run(['-c', 'bad.yaml']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(
      [
        'bad.yaml:6:12: keys[0].roles: must be a list (got "READONLY")',
        'bad.yaml:7:14: expires 400d is longer than policy.max_lifetime (90d)',
        'bad.yaml:8:11: duplicate key `A` in provider `default`: first declared at bad.yaml:5:11',
        'bad.yaml:11:5: unknown property `colour` in keys[1]',
        '',
        '4 errors in bad.yaml.',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON to stdout with --format json', async () => {
    await writeFile(join(dir, 'bad.yaml'), SEVERAL_MISTAKES);
    const bad = run(['-c', 'bad.yaml', '--format', 'json']);
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout) as { valid: boolean; errors: unknown[] };
    expect(report.valid).toBe(false);
    expect(report.errors).toHaveLength(4);
    expect(report.errors[0]).toEqual({ file: 'bad.yaml', line: 6, column: 12, path: '/keys/0/roles', message: 'keys[0].roles: must be a list (got "READONLY")' });

    await writeFile(join(dir, 'good.yaml'), 'version: 1\nkeys: [{ name: A, roles: [READONLY] }]\n');
    const good = run(['-c', 'good.yaml', '--format', 'json']);
    expect(good.status).toBe(0);
    expect(JSON.parse(good.stdout)).toEqual({ valid: true, errors: [] });
  });

  it('explains a missing file, a directory and an unreadable path without a stack trace', async () => {
    await mkdir(join(dir, 'folder'), { recursive: true });
    await writeFile(join(dir, 'plain'), 'x');
    for (const [path, reason] of [['absent.yaml', 'no such file'], ['folder', 'it is a directory, not a file'], ['plain/keys.yaml', 'a part of the path is not a directory']]) {
      const result = run(['-c', path as string]);
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`${path}:1:1: cannot read ${path}: ${reason}`);
    }
    const defaulted = run([]);
    expect(defaulted.status).toBe(1);
    expect(defaulted.stderr).toContain('keys.yaml:1:1: cannot read keys.yaml: no such file');
  });

  it('reports YAML syntax errors and binary garbage with positions', async () => {
    await writeFile(join(dir, 'syntax.yaml'), 'version: 1\nkeys:\n  - name: "A\n');
    const syntax = run(['-c', 'syntax.yaml']);
    expect(syntax.status).toBe(1);
    expect(syntax.stderr).toMatch(/^syntax\.yaml:\d+:\d+: YAML syntax error: /m);
    await writeFile(join(dir, 'garbage.yaml'), Buffer.from([0x00, 0xff, 0x10, 0x80, 0x00]));
    const garbage = run(['-c', 'garbage.yaml']);
    expect(garbage.status).toBe(1);
    expect(garbage.stderr).toContain('garbage.yaml:1:1: cannot read garbage.yaml: it is not a text file');
  });

  it('reports key names with zero-width, bidi or control characters at their position', async () => {
    const yaml = 'version: 1\nkeys:\n  - name: "ro1\\u200b"\n    roles: [READONLY]\n  - name: "a\\u202eb"\n    roles: [READONLY]\n  - name: "c\\u0085"\n    roles: [READONLY]\n';
    await writeFile(join(dir, 'lookalike.yaml'), yaml);
    const result = run(['-c', 'lookalike.yaml']);
    expect(result.status).toBe(1);
    for (const [line, index] of [[3, 0], [5, 1], [7, 2]]) expect(result.stderr).toContain(`lookalike.yaml:${line}:11: keys[${index}].name: must be a key name`);
  });

  it('rejects an unknown --format as a usage error', () => {
    const result = run(['--format', 'xml']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/xml/);
  });
});
