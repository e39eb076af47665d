/**
 * The shared flag types of `src/cli/flags.ts`, parsed in-process: each refuses what its flag cannot
 * honour with an InputError (one line once the command prints it) and returns what it can.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Interfaces } from '@oclif/core';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/env/errors.js';
import { decimalFlag, emailFlag, lockSpecFlag, LONGEST_CAMPAIGN_MS, nameFlag, outputDirectoryFlag, probabilityFlag, spanFlag, storeSpecFlag, urlFlag } from '../../src/cli/flags.js';

const dir = mkdtempSync(join(tmpdir(), 'simrun-flag-builders-'));
const file = join(dir, 'a-file');
writeFileSync(file, 'x');

/** Runs a flag's own parser on `input`, as oclif does while parsing the command line. */
function parse<T>(flag: Interfaces.OptionFlag<T>, input: string): Promise<T> {
  return (flag.parse as (input: string, context: unknown, options: unknown) => Promise<T>)(input, {}, flag);
}

async function refusal<T>(flag: Interfaces.OptionFlag<T>, input: string): Promise<string> {
  const error = await parse(flag, input).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error, `${JSON.stringify(input.slice(0, 40))} was taken`).toBeInstanceOf(InputError);
  const message = (error as Error).message;
  expect(message.includes('\n'), message).toBe(false);
  return message;
}

const HOSTILE = ['', '0', '-1', '1e308', 'NaN', dir, file, '/proc/self/mem', '\u0001\u00ff\ufffdgarbage', 'x'.repeat(10_240)];

describe('spanFlag (--duration of a real campaign)', () => {
  const flag = spanFlag({ description: 'd' });
  it('takes a number with a unit, in ms', async () => {
    expect(await parse(flag, '90s')).toBe(90_000);
    expect(await parse(flag, '250ms')).toBe(250);
    expect(await parse(flag, '1.5m')).toBe(90_000);
  });
  it('refuses no unit, zero, and anything past the timer limit', async () => {
    for (const input of [...HOSTILE, '0s', '0.0001ms', '596524h', `${LONGEST_CAMPAIGN_MS + 1}ms`]) await refusal(flag, input);
    expect(await parse(flag, `${LONGEST_CAMPAIGN_MS}ms`)).toBe(LONGEST_CAMPAIGN_MS);
  });
});

describe('outputDirectoryFlag (--out-dir)', () => {
  const flag = outputDirectoryFlag({ description: 'o', default: 'reports' });
  it('takes an existing directory, or one that can be made, and makes nothing while checking', async () => {
    expect(await parse(flag, dir)).toBe(dir);
    const fresh = join(dir, 'new', 'deeper');
    expect(await parse(flag, fresh)).toBe(fresh);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    // Processes started together check one new folder at once (`--lock file:DIR` of every client).
    expect(await Promise.all([1, 2, 3, 4].map(() => parse(flag, fresh)))).toEqual([fresh, fresh, fresh, fresh]);
    expect(readdirSync(dir).filter((name) => name.startsWith('.simrun'))).toEqual([]);
  });
  it('refuses, before any run, a directory that cannot be made or written into', async () => {
    expect(await refusal(flag, file)).toMatch(/exists and is not a directory/);
    expect(await refusal(flag, join(file, 'below'))).toMatch(/ENOTDIR/);
    // procfs refuses a new directory (and Node's recursive mkdir would spin there forever).
    expect(await refusal(flag, '/proc/simrun-out')).toMatch(/cannot create directory .*ENOENT/);
    if (process.getuid?.() !== 0) {
      // Permission bits bind everyone but root.
      const locked = join(dir, 'locked');
      mkdirSync(locked);
      chmodSync(locked, 0o555);
      expect(await refusal(flag, locked)).toMatch(/cannot write into .*EACCES/);
      expect(await refusal(flag, join(locked, 'below'))).toMatch(/cannot create directory .*EACCES/);
    }
  });
});

describe('decimalFlag and probabilityFlag', () => {
  it('a probability is 0 to 1 in plain digits', async () => {
    const flag = probabilityFlag({ description: 'p', default: 0 });
    expect(await parse(flag, '0')).toBe(0);
    expect(await parse(flag, '0.25')).toBe(0.25);
    expect(await parse(flag, '1')).toBe(1);
    for (const input of [...HOSTILE.filter((value) => value !== '0'), '1.01', '1e-1', 'Infinity', '0x1']) await refusal(flag, input);
  });
  it('aboveMin refuses the bound itself (a rate of time must be positive)', async () => {
    const flag = decimalFlag({ description: 's', min: 0, aboveMin: true, max: 86_400 });
    expect(await parse(flag, '0.001')).toBe(0.001);
    expect(await refusal(flag, '0')).toMatch(/above 0/);
    await refusal(flag, '86400.5');
  });
});

describe('nameFlag', () => {
  const flag = nameFlag({ description: 'n' });
  it('takes a plain name and refuses empty, overlong and control characters', async () => {
    expect(await parse(flag, 'server-1')).toBe('server-1');
    for (const input of ['', '  ', 'x'.repeat(201), 'a\nb', 'a\u0000b', '\u0001\u00ff']) await refusal(flag, input);
  });
});

describe('lockSpecFlag', () => {
  const flag = lockSpecFlag({ description: 'l' });
  it('checks the syntax and that the path can be what the backend needs', async () => {
    expect(await parse(flag, `sqlite:${join(dir, 'locks.db')}`)).toBe(`sqlite:${join(dir, 'locks.db')}`);
    expect(await parse(flag, `file:${join(dir, 'locks')}`)).toBe(`file:${join(dir, 'locks')}`);
    expect(await parse(flag, 'postgres://u:p@localhost/db')).toBe('postgres://u:p@localhost/db');
    expect(await refusal(flag, `sqlite:${dir}`)).toMatch(/is a directory/);
    expect(await refusal(flag, `file:${file}`)).toMatch(/not a directory/);
    await refusal(flag, `sqlite:${join(file, 'under-a-file.db')}`);
    for (const input of HOSTILE) await refusal(flag, input);
  });
  it('takes a bare word only where the command gives it a meaning', async () => {
    expect(await parse(lockSpecFlag({ description: 'l', bare: ['file'] }), 'file')).toBe('file');
    await refusal(flag, 'file');
  });
});

describe('storeSpecFlag', () => {
  it('takes sqlite:PATH and SQL URLs; mysql only where allowed', async () => {
    const flag = storeSpecFlag({ description: 's' });
    expect(await parse(flag, 'mysql://u@localhost/db')).toBe('mysql://u@localhost/db');
    await refusal(storeSpecFlag({ description: 's', mysql: false }), 'mysql://u@localhost/db');
    expect(await refusal(flag, `sqlite:${dir}`)).toMatch(/is a directory/);
    for (const input of [...HOSTILE, 'sqlite:', 'postgres://']) await refusal(flag, input);
  });
});

describe('urlFlag and emailFlag', () => {
  it('a URL needs one of the protocols and a host', async () => {
    const flag = urlFlag({ description: 'u', protocols: ['http:', 'https:'] });
    expect(await parse(flag, 'https://hooks.example.com/x')).toBe('https://hooks.example.com/x');
    for (const input of [...HOSTILE, 'ftp://example.com', 'https://', 'example.com']) await refusal(flag, input);
  });
  it('an address is name@host on one line', async () => {
    const flag = emailFlag({ description: 'e' });
    expect(await parse(flag, 'ops@example.com')).toBe('ops@example.com');
    for (const input of [...HOSTILE, 'a b@c', 'a@b\nBcc: x@y', '<a@b>', 'a@b@c']) await refusal(flag, input);
  });
});
