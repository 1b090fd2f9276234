import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/io/load-config.js';
import { brief, issuesOf, NOW, useConfigDirs } from './temp-config.js';

const setup = useConfigDirs();

describe('loadConfig', () => {
  it('loads a root file and its includes, resolving paths against the root directory', async () => {
    const dir = await setup({
      'config/keys.yaml': 'version: 1\ninclude: [teams/*.yaml]\nkeys:\n  - { name: Root, roles: [ADMIN] }\n',
      'config/teams/b.yaml': 'keys:\n  - name: B\n    roles: [READONLY]\n    deliver: [{ type: file, path: out/b.env, var: B_KEY }]\n',
      'config/teams/a.yaml': 'keys:\n  - name: A\n    roles: [READONLY]\n',
    });
    const state = await loadConfig('config/keys.yaml', { cwd: dir, now: NOW });
    expect(state.files).toEqual([join(dir, 'config/keys.yaml'), join(dir, 'config/teams/a.yaml'), join(dir, 'config/teams/b.yaml')]);
    expect(state.keys.map((k) => `${k.name}@${k.source.file}:${k.source.line}:${k.source.column}`)).toEqual([
      'Root@config/keys.yaml:4:5',
      'A@config/teams/a.yaml:2:5',
      'B@config/teams/b.yaml:2:5',
    ]);
    expect(state.keys[2]?.deliver[0]).toMatchObject({ path: join(dir, 'config/out/b.env') });
    expect(state.providers.default).toMatchObject({ type: 'local', settings: { path: join(dir, 'config/.keyplan/keys.db') } });
  });

  it('lists every mistake across files, each at its line:column, root file first', async () => {
    const dir = await setup({
      'keys.yaml': [
        'version: 1',
        'include: [teams/*.yaml, missing/*.yaml]',
        'policy:',
        '  max_lifetime: 90d',
        'keys:',
        '  - name: Shared',
        '    roles: [READONLY]',
        '    expires: 30d',
        '    colour: red',
        '',
      ].join('\n'),
      'teams/search.yaml': [
        'keys:',
        '  - name: Shared',
        '    roles: READONLY',
        '    expires: 1y',
        '  - name: Other',
        '    roles: [READONLY]',
        '    expires: 10d',
        '    renamed_from: [Shared]',
        '',
      ].join('\n'),
    });
    expect(brief(await issuesOf('keys.yaml', dir))).toEqual([
      'keys.yaml:2:25: include "missing/*.yaml" matches no file (patterns are relative to keys.yaml\'s directory)',
      'keys.yaml:9:5: unknown property `colour` in keys[0]',
      'teams/search.yaml:2:11: duplicate key `Shared` in provider `default`: first declared at keys.yaml:6:11',
      'teams/search.yaml:3:12: keys[0].roles: must be a list (got "READONLY")',
      'teams/search.yaml:4:14: expires 1y is longer than policy.max_lifetime (90d)',
      'teams/search.yaml:8:20: renamed_from `Shared` names a key that is still declared at keys.yaml:6:11: remove one of them',
    ]);
  });

  it('reports YAML syntax errors and duplicate mapping keys with positions', async () => {
    const dir = await setup({
      'dup.yaml': 'version: 1\nkeys:\n  - name: A\n    roles: [READONLY]\n    name: B\n',
      'syntax.yaml': 'version: 1\nkeys: [\n  { name: A\n',
      'multi.yaml': 'version: 1\n---\nversion: 1\n',
    });
    expect(brief(await issuesOf('dup.yaml', dir))).toEqual([
      'dup.yaml:5:5: duplicate mapping key "name": each key may appear once in a mapping',
    ]);
    const syntax = await issuesOf('syntax.yaml', dir);
    expect(syntax.length).toBeGreaterThan(0);
    expect(syntax[0]?.message).toMatch(/^YAML syntax error: /);
    expect(syntax[0]?.line).toBeGreaterThanOrEqual(2);
    expect(brief(await issuesOf('multi.yaml', dir))[0]).toMatch(/^multi\.yaml:\d+:\d+: this file holds several YAML documents/);
  });

  it('refuses includes in included files and a glob matching the root itself', async () => {
    const dir = await setup({
      'keys.yaml': 'version: 1\ninclude: ["*.yaml"]\n',
      'team.yaml': 'include: [other.yaml]\nkeys: []\n',
    });
    expect(brief(await issuesOf('keys.yaml', dir))).toEqual([
      'keys.yaml:2:11: include "*.yaml" matches the root file keys.yaml itself: a file cannot include itself; narrow the pattern',
      'team.yaml:1:1: `include` is not allowed in an included file: it holds only `keys:` (version, include, providers and policy belong in the root file)',
    ]);
  });

  it('loads a file matched by two globs once', async () => {
    const dir = await setup({
      'keys.yaml': 'version: 1\ninclude: [teams/*.yaml, teams/a.yaml]\n',
      'teams/a.yaml': 'keys: [{ name: A, roles: [READONLY] }]\n',
    });
    const state = await loadConfig('keys.yaml', { cwd: dir, now: NOW });
    expect(state.keys).toHaveLength(1);
    expect(state.files).toHaveLength(2);
  });

  it('names files outside the working directory by absolute path', async () => {
    const dir = await setup({ 'keys.yaml': 'version: 1\nkeys: 3\n' });
    expect(brief(await issuesOf(join(dir, 'keys.yaml'), '/nonexistent-cwd'))).toEqual([
      `${join(dir, 'keys.yaml')}:2:7: keys: must be a list (got 3)`,
    ]);
  });

  it('treats an empty file as an error, not as an empty config', async () => {
    const dir = await setup({ 'keys.yaml': '# only a comment\n' });
    expect(brief(await issuesOf('keys.yaml', dir))).toEqual(['keys.yaml:1:1: keys.yaml is empty: expected `version: 1` and `keys:`']);
  });

  it('checks absolute expiry dates against max_lifetime using the now it is given', async () => {
    const dir = await setup({
      'keys.yaml': 'version: 1\npolicy: { max_lifetime: 30d }\nkeys:\n  - { name: A, roles: [R], expires: 2026-01-20 }\n',
    });
    await expect(loadConfig('keys.yaml', { cwd: dir, now: NOW })).resolves.toBeDefined();
    const later = await loadConfig('keys.yaml', { cwd: dir, now: Date.UTC(2025, 0, 1) }).catch((error: unknown) => error);
    expect(String(later)).toContain('keys.yaml:4:37: expires 2026-01-20 is further away than policy.max_lifetime (30d)');
  });
});
