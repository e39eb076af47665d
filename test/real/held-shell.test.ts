/**
 * The shell executor's held start, for real: the job's process group exists (its id can be recorded)
 * but its command runs only once released; a starter that dies before releasing it leaves nothing
 * run, since the held shell reads end of input and exits. Released, the job reads end of input on
 * its standard input, as from /dev/null, so a command that reads it does not wait.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { createShellExecutor } from '../../src/real/job-runner/shell-executor.js';
import { ROOT } from '../cli/helpers.js';
import { groupMembers, survivorsAfter } from './orphans.js';

test('a held job runs its command once released, with its standard input at its end', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-held-'));
  const mark = join(dir, 'ran');
  let output = '';
  const execution = createShellExecutor().start({ command: `cat; echo ran > '${mark}'; echo done`, held: true, onOutput: (chunk) => (output += chunk.text) });
  // Its group exists before it is released: that id is what a runner records first.
  expect(groupMembers(Number(execution.id))).toContain(Number(execution.id));
  expect(existsSync(mark)).toBe(false);
  execution.release?.();
  expect(await execution.exited).toEqual({ code: 0, signal: null });
  expect(output).toBe('done\n');
  expect(existsSync(mark)).toBe(true);
});

/**
 * Runs `script` in a starter process (with `createShellExecutor` in scope, the job's command as
 * `command`): it must print the job's process group and die without releasing the job. Then the
 * group must be gone, and the command must never have run.
 */
async function expectStarterLeavesNothingRun(script: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-held-'));
  const mark = join(dir, 'ran');
  const starter = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `const { createShellExecutor } = await import(process.argv[1]); const command = process.argv[2]; ${script}`, join(ROOT, 'dist/src/real/job-runner/shell-executor.js'), `echo ran > '${mark}'`],
    { encoding: 'utf8' },
  );
  expect(starter.status, starter.stderr).toBe(0);
  const pgid = Number(starter.stdout);
  expect(pgid).toBeGreaterThan(1);
  // The held shell reads the end of its starter's pipe and exits; the bound only fails a shell that hangs.
  expect(await survivorsAfter([pgid], 30_000)).toEqual([]);
  expect(existsSync(mark)).toBe(false);
}

test('a held job whose starter dies before releasing it never runs its command', async () => {
  // The starter starts the job held, prints its process group, and exits at once.
  await expectStarterLeavesNothingRun('const execution = createShellExecutor().start({ command, held: true, onOutput() {} }); process.stdout.write(execution.id); process.exit(0);');
});

test('with a group recorder, a job runs only once its group is recorded: a starter killed while recording leaves nothing run', async () => {
  // A starter like `jobs serve`: its recorder is told the group, prints it, and the starter dies right
  // there, before the recorder returns (as a server SIGKILLed between the spawn and the record would).
  await expectStarterLeavesNothingRun('createShellExecutor({ onGroupStarted(pgid) { process.stdout.write(String(pgid)); process.exit(0); } }).start({ command, onOutput() {} });');
});

test('with a group recorder, the recorder hears of the group before the command runs, and the command then runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-held-'));
  const mark = join(dir, 'ran');
  const seen: boolean[] = [];
  const executor = createShellExecutor({ onGroupStarted: () => void seen.push(existsSync(mark)) });
  const execution = executor.start({ command: `echo ran > '${mark}'`, onOutput() {} });
  expect(await execution.exited).toEqual({ code: 0, signal: null });
  expect(seen).toEqual([false]);
  expect(existsSync(mark)).toBe(true);
});
