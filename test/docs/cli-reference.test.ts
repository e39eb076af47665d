import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_REFERENCE_PATH, packageRoot, renderCliReference } from '../../scripts/cli-reference.js';

// The reference is generated from the compiled commands (`npm test` builds first); a flag added,
// renamed or reworded without regenerating the page fails here rather than drifting silently.
describe('docs/cli.md', () => {
  it('is what the commands generate', async () => {
    const root = packageRoot();
    const generated = await renderCliReference(root);
    const checkedIn = await readFile(join(root, CLI_REFERENCE_PATH), 'utf8');
    if (checkedIn !== generated) expect.fail('docs/cli.md is stale: run npm run docs:cli');
  });

  it('documents every command with its flags', async () => {
    const generated = await renderCliReference();
    expect(generated).toContain('### `simrun fuzz`');
    expect(generated).toContain('### `simrun bucket worker`');
    expect(generated).toContain('| `--seed VALUE` |');
    expect(generated).not.toContain('<%=');
  });
});
