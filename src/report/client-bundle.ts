/**
 * The report page's own script and stylesheet: the TypeScript modules under `client/`, bundled by
 * esbuild into one script and one stylesheet that `html.ts` inlines into every page.
 *
 * Where the bundle comes from: `npm run build` writes it beside this module's compiled form
 * (`dist/src/report/report-client.js` and `.css`), so a built or installed simrun reads two files
 * and needs no bundler. Run from its sources (the tests, tsx), this module finds no such files beside
 * it, and bundles the sources next to it on first use with the same options, so the page is never
 * older than its code and no test depends on a build step having run. esbuild is a devDependency:
 * only that second path loads it.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ClientBundle {
  readonly script: string;
  readonly style: string;
}

/** The built bundle's file names, beside the compiled `client-bundle.js`. */
export const CLIENT_BUNDLE_FILES = { script: 'report-client.js', style: 'report-client.css' } as const;

const here = fileURLToPath(new URL('.', import.meta.url));
let cached: ClientBundle | undefined;

/** The page's script and stylesheet: the built bundle when there is one, else bundled now from the sources. */
export function clientBundle(): ClientBundle {
  cached ??= readBuiltBundle(here) ?? bundleClientSources(join(here, 'client'));
  return cached;
}

function readBuiltBundle(dir: string): ClientBundle | undefined {
  const scriptPath = join(dir, CLIENT_BUNDLE_FILES.script);
  const stylePath = join(dir, CLIENT_BUNDLE_FILES.style);
  if (!existsSync(scriptPath) || !existsSync(stylePath)) return undefined;
  return { script: readFileSync(scriptPath, 'utf8'), style: readFileSync(stylePath, 'utf8') };
}

/** Bundles `client/bootstrap.ts` and what it imports (the stylesheet included) with esbuild, in memory. */
export function bundleClientSources(clientDir: string): ClientBundle {
  const entry = resolve(clientDir, 'bootstrap.ts');
  if (!existsSync(entry)) {
    throw new Error(`the HTML report's script is missing: no ${CLIENT_BUNDLE_FILES.script} in ${here} and no sources at ${entry} (run npm run build)`);
  }
  const esbuild = loadEsbuild();
  const built = esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    // One inline classic script: an IIFE keeps every name out of the page's global scope.
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    // Paths in the bundle's comments are relative to this, so the bundle does not depend on where it was made from.
    absWorkingDir: resolve(clientDir, '..', '..', '..'),
    charset: 'utf8',
    legalComments: 'none',
    // Readable output: a user debugging a report sees the code as written.
    minify: false,
    write: false,
    outdir: 'report-client',
    logLevel: 'silent',
  });
  const script = built.outputFiles.find((file) => file.path.endsWith('.js'))?.text;
  const style = built.outputFiles.find((file) => file.path.endsWith('.css'))?.text;
  if (script === undefined || style === undefined) throw new Error(`bundling ${entry} gave no script or no stylesheet`);
  return { script, style };
}

/** Writes the bundle where a built simrun reads it: `outDir` is the compiled `src/report` folder. */
export function writeClientBundle(bundle: ClientBundle, outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, CLIENT_BUNDLE_FILES.script), bundle.script);
  writeFileSync(join(outDir, CLIENT_BUNDLE_FILES.style), bundle.style);
}

// Loaded synchronously and only here: rendering a report is synchronous, and a built simrun never needs esbuild.
function loadEsbuild(): typeof import('esbuild') {
  return createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
}
