/**
 * Keeps `dist/` in step with the sources before any test starts.
 *
 * The CLI tests (and the real-process tests) run `bin/run.js`, which loads the compiled commands
 * from `dist/`: a `dist/` built before the last edit would test old code, and a test would pass or
 * fail for nothing. So this global setup fingerprints every build input (each file under the
 * directories tsconfig.json compiles, tsconfig.json and package.json); when the fingerprint differs
 * from the one stored beside the last build, or there is none, it deletes `dist/` and runs
 * `npm run build`. An unchanged tree costs one read of the sources (milliseconds); a changed one, one
 * build, in this process, before the test workers start.
 *
 * Why this and not running the CLI from its sources through tsx: the tests then run exactly what the
 * package ships (compiled JavaScript, whatever else `npm run build` produces, oclif's production
 * command discovery), and the sources are compiled once per change, not in every spawned process.
 * Why delete `dist/` first: tsc never removes the output of a deleted source, and oclif would still
 * find a deleted command there. A build that fails stops the test run: the CLI tests cannot run
 * against code that does not build.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Written after a successful build: the fingerprint of the inputs it was built from. */
const STAMP = join(DIST, '.build-inputs.sha256');
/** oclif's list of the commands in dist/, written by the build beside package.json: it goes with dist/. */
const MANIFEST = join(ROOT, 'oclif.manifest.json');

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(path) : entry.isFile() ? [path] : [];
  });
}

/** SHA-256 over the path and content of every build input, in sorted path order. */
export function buildInputsFingerprint(): string {
  // tsconfig.json may hold comments: TypeScript's own reader parses it as tsc does.
  const tsconfig = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile).config as { include?: string[] };
  // scripts/ holds the build's own steps (the report's bundler).
  const files = [join(ROOT, 'tsconfig.json'), join(ROOT, 'package.json'), ...[...new Set([...(tsconfig.include ?? []), 'scripts'])].flatMap((dir) => filesUnder(join(ROOT, dir)))];
  const hash = createHash('sha256');
  for (const file of files.map((path) => relative(ROOT, path)).sort()) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(join(ROOT, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}

/** Rebuilds `dist/` from scratch unless it was built from exactly the current inputs. */
export function ensureFreshBuild(): void {
  const fingerprint = buildInputsFingerprint();
  if (existsSync(STAMP) && readFileSync(STAMP, 'utf8') === fingerprint) return;
  console.log('dist/ is missing or older than the sources: rebuilding (npm run build)');
  rmSync(DIST, { recursive: true, force: true });
  rmSync(MANIFEST, { force: true });
  const build = spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (build.status !== 0) throw new Error(`npm run build failed (exit ${build.status ?? build.signal}): the CLI tests would run against stale code`);
  writeFileSync(STAMP, fingerprint);
}

/** Vitest's global setup: before the first run, and again before each rerun in watch mode. */
export default function setup(project: { onTestsRerun(handler: () => void): void }): void {
  ensureFreshBuild();
  project.onTestsRerun(() => ensureFreshBuild());
}

/**
 * `tsx test/setup/fresh-build.ts --built`: records that dist/ was just built from the current inputs
 * by `npm run build` (CI runs it right after `npm ci`, whose `prepare` builds), so that the test run
 * does not build the same tree a second time. Without --built: `ensureFreshBuild()`.
 */
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === '--built') {
    if (!existsSync(MANIFEST)) throw new Error('--built: no oclif.manifest.json beside package.json; run npm run build first');
    writeFileSync(STAMP, buildInputsFingerprint());
  } else {
    ensureFreshBuild();
  }
}
