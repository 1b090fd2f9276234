import { mkdtemp, readdir, readFile, rm, stat, symlink, writeFile, chmod, lstat, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../src/io/atomic-write.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'keyplan-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const modeOf = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes a new file, creating missing parent directories, and leaves no temporary file', async () => {
    const path = join(dir, 'nested/deeper/secrets.env');
    await writeFileAtomic(path, 'A=1\n', 0o600);
    expect(await readFile(path, 'utf8')).toBe('A=1\n');
    expect(await modeOf(path)).toBe(0o600);
    expect(await readdir(join(dir, 'nested/deeper'))).toEqual(['secrets.env']);
  });

  it('replaces content and applies the given mode exactly, whatever the umask', async () => {
    const path = join(dir, 'out.json');
    await writeFile(path, 'old');
    await chmod(path, 0o644);
    await writeFileAtomic(path, new TextEncoder().encode('{"new":true}'), 0o640);
    expect(await readFile(path, 'utf8')).toBe('{"new":true}');
    expect(await modeOf(path)).toBe(0o640);
  });

  it('keeps an existing file mode when none is given', async () => {
    const path = join(dir, 'kept');
    await writeFile(path, 'old');
    await chmod(path, 0o600);
    await writeFileAtomic(path, 'new');
    expect(await modeOf(path)).toBe(0o600);
    expect(await readFile(path, 'utf8')).toBe('new');
  });

  it('gives a new file without a mode the usual 0666 minus umask', async () => {
    const path = join(dir, 'fresh');
    await writeFileAtomic(path, 'x');
    expect(await modeOf(path)).toBe(0o666 & ~process.umask());
  });

  it('replaces the target of a symbolic link and keeps the link', async () => {
    const target = join(dir, 'real.env');
    const link = join(dir, 'link.env');
    await writeFile(target, 'old');
    await symlink(target, link);
    await writeFileAtomic(link, 'new');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('new');
  });

  it('fails without leaving a temporary file when the target cannot be replaced', async () => {
    const path = join(dir, 'is-a-dir');
    await mkdir(join(path, 'child'), { recursive: true });
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow();
    expect((await readdir(dir)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
