/**
 * Build step: bundles the HTML report's browser code (`src/report/client/`) into
 * `dist/src/report/report-client.{js,css}`, where the compiled `client-bundle.js` reads it. Run by
 * `npm run build` after tsc, from the repository root.
 */
import { bundleClientSources, writeClientBundle } from '../src/report/client-bundle.js';

writeClientBundle(bundleClientSources('src/report/client'), 'dist/src/report');
