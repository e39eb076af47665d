/**
 * `simrun cron serve --command` killed outright (SIGKILL), or stopped gracefully (SIGTERM, SIGINT): the
 * command it was running, with what the command started, ends too (the server's watchdog ends the command's process group), rather than
 * running on untracked while another server, its lease lapsed, starts the next run. Real processes,
 * watched through /proc; the only bound is how long the group may outlive its server.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { groupMembers, startSimrun, survivorsAfter, waitFor } from '../real/orphans.js';

/**
 * The watchdog sends SIGTERM as soon as it reads the end of its pipe, and `sleep` ends on it; the
 * bound is generous because a watchdog started just before the kill may still be starting Node.
 */
const SURVIVAL_BOUND_MS = 60_000;

/** A server whose command runs: the server, the command's process group, and the group's members (the shell and its sleep). */
async function serverRunningItsCommand(): Promise<{ server: ChildProcess; pgid: number; members: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'simrun-cron-command-'));
  const pidFile = join(dir, 'command.pid');
  // The shell leads the command's group: it records its pid (the group's id), then starts a long child.
  const command = `echo $$ > ${pidFile}; sleep 300; echo done`;
  const server = startSimrun(['cron', 'serve', '--server', 's1', '--name', 'backup', '--schedule', '*/1 * * * * *', '--lock', `sqlite:${join(dir, 'locks.db')}`, '--command', command]);
  const pgid = await waitFor('the command to start', () => (existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '' ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined));
  const members = await waitFor('the command and its sleep', () => {
    const found = groupMembers(pgid);
    return found.length >= 2 ? found : undefined;
  });
  return { server, pgid, members };
}

describe.skipIf(process.platform !== 'linux')('simrun cron serve --command, its server SIGKILLed or stopped', () => {
  test("the running command's whole process group ends with it", async () => {
    const { server, pgid, members } = await serverRunningItsCommand();
    const ended = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await ended;
    expect(await survivorsAfter(members, SURVIVAL_BOUND_MS)).toEqual([]);
    expect(groupMembers(pgid)).toEqual([]);
  }, 300_000);

  test('a graceful stop (SIGTERM, SIGINT) ends the running command and the server exits 0, not after the command', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { server, members } = await serverRunningItsCommand();
      const exitCode = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
      server.kill(signal);
      // The server does not wait out the 300 s command: the group gets SIGTERM (SIGKILL 5 s later).
      expect(await exitCode, signal).toBe(0);
      expect(await survivorsAfter(members, SURVIVAL_BOUND_MS)).toEqual([]);
    }
  }, 300_000);
});
