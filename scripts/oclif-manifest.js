// Build step, run by `npm run build` once tsc has compiled dist/: writes oclif.manifest.json, the list
// of commands with their flags, at the package root. Without it oclif imports every command module on
// each start just to find the one asked for (about a second of CPU per `simrun` process); with it, it
// imports only that one. It is written from dist/ by every build, so it always matches the commands
// that build compiled.
import { writeFileSync } from 'node:fs';
import { Plugin } from '@oclif/core';

// As `bin/run.js` runs for users: the compiled commands under dist/, never the TypeScript sources.
process.env.NODE_ENV = 'production';
const plugin = new Plugin({ root: process.cwd(), type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
await plugin.load();
writeFileSync('oclif.manifest.json', `${JSON.stringify(plugin.manifest, null, 2)}\n`);
