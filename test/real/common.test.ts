/** The helpers every real-mode command shares, each failing as one InputError that names the flag. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { InputError } from '../../src/env/errors.js';
import { realEnv } from '../../src/env/real-env.js';
import { readInputFile, requireDirectory } from '../../src/real/common/files.js';
import { checkSharedLockSpec, displayLockSpec, openSharedLock } from '../../src/real/common/shared-lock.js';
import { untilInterrupted } from '../../src/real/common/signals.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-real-common-'));
const file = join(dir, 'a-file.txt');
writeFileSync(file, 'text\n');

describe('requireDirectory and readInputFile', () => {
  test('an existing directory passes', async () => {
    await expect(requireDirectory(dir, '--dir')).resolves.toBeUndefined();
  });

  test('a missing directory and a file in its place are input errors naming the flag', async () => {
    await expect(requireDirectory(join(dir, 'missing'), '--dir')).rejects.toThrow(new InputError(`--dir: directory ${join(dir, 'missing')} does not exist (create it first)`));
    await expect(requireDirectory(file, '--out x')).rejects.toThrow(new InputError(`--out x: ${file} is not a directory`));
  });

  test('a missing file is an input error with its code', async () => {
    await expect(readInputFile(file, 'the plan file')).resolves.toBe('text\n');
    await expect(readInputFile(join(dir, 'nope'), 'the plan file')).rejects.toThrow(new InputError(`cannot read the plan file ${join(dir, 'nope')}: ENOENT`));
  });
});

describe('the shared lock', () => {
  test('memory is refused, naming who would share it', async () => {
    const refusal = checkSharedLockSpec({ spec: 'memory', sharedBy: 'servers' });
    await expect(refusal).rejects.toBeInstanceOf(InputError);
    await expect(refusal).rejects.toThrow('--lock memory lives inside one process and cannot coordinate servers');
  });

  test('a SQLite file or a lock directory whose parent is missing is refused before opening', async () => {
    await expect(checkSharedLockSpec({ spec: `sqlite:${join(dir, 'no', 'locks.db')}`, sharedBy: 'workers' })).rejects.toThrow('does not exist');
    await expect(checkSharedLockSpec({ spec: `file:${join(dir, 'no', 'locks')}`, sharedBy: 'workers' })).rejects.toThrow('does not exist');
  });

  test('a usable spec opens a lock that works', async () => {
    const lock = await openSharedLock({ spec: `sqlite:${join(dir, 'locks.db')}`, sharedBy: 'workers' }, realEnv('test', { logLine: () => {} }));
    try {
      const lease = await lock.tryAcquire('key', 'me', 1_000);
      expect(lease?.owner).toBe('me');
    } finally {
      await lock.close?.();
    }
  });

  test('a PostgreSQL URL is displayed with its password masked', () => {
    expect(displayLockSpec('postgres://user:secret@db/jobs')).not.toContain('secret');
    expect(displayLockSpec('sqlite:locks.db')).toBe('sqlite:locks.db');
  });
});

describe('untilInterrupted', () => {
  test('SIGTERM aborts the signal the work awaits, and the handlers are gone afterwards', async () => {
    const before = process.listenerCount('SIGTERM');
    const result = await untilInterrupted(async (stop) => {
      expect(process.listenerCount('SIGTERM')).toBe(before + 1);
      process.emit('SIGTERM', 'SIGTERM');
      expect(stop.aborted).toBe(true);
      return 'stopped';
    });
    expect(result).toBe('stopped');
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
