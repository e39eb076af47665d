/**
 * Real PostgreSQL for the tests, without a mock: when SIMRUN_PG_URL is not set and the server
 * binaries are installed (Debian's `postgresql` package), start a throwaway cluster on loopback
 * with `.ci/postgres.sh` and stop it afterwards. Without either, the PostgreSQL tests say they were
 * skipped, except under CI=true, where they fail.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

function postgresBin(): string | undefined {
  if (process.env.SIMRUN_PG_BIN) return process.env.SIMRUN_PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((version) => existsSync(`${root}/${version}/bin/initdb`));
  versions.sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : `${root}/${versions[0]}/bin`;
}

export default function setup(): (() => void) | undefined {
  if (process.env.SIMRUN_PG_URL) return undefined;
  const bin = postgresBin();
  if (bin === undefined || typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const env = { ...process.env, SIMRUN_PG_BIN: bin };
  process.env.SIMRUN_PG_URL = execFileSync('bash', ['.ci/postgres.sh'], { env, encoding: 'utf8' }).trim();
  return () => {
    execFileSync('bash', ['.ci/postgres.sh', 'stop'], { env, stdio: 'ignore' });
  };
}
