// Build step, run by `npm run build` from the repository root once tsc has compiled dist/: bundles the
// HTML report's browser code (src/report/client/) into dist/src/report/report-client.{js,css}, where
// the compiled client-bundle.js reads it.
import { bundleClientSources, writeClientBundle } from '../dist/src/report/client-bundle.js';

writeClientBundle(bundleClientSources('src/report/client'), 'dist/src/report');
