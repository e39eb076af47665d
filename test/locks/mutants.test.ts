/**
 * The contract must catch broken backends: each mutant runs through the same checks as the real
 * backends, programmatically, and must fail at least the check written for its flaw.
 */
import { describe, expect, it } from 'vitest';
import { lockMutants } from '../../src/locks/index.js';
import { runPlainChecks, type LockFixtureFactory } from './contract.js';
import { memoryFs } from './fixtures.js';

const mutantFixture = (name: string): LockFixtureFactory => async (now) => {
  const mutant = lockMutants.find((candidate) => candidate.name === name);
  if (mutant === undefined) throw new Error(`no mutant ${name}`);
  const backend = mutant.create({ now, fs: memoryFs(), dir: '/locks' });
  return { connect: async () => backend, dispose: async () => {} };
};

describe('the plain contract catches broken backends', () => {
  const expectations: Array<[string, string]> = [
    ['release-without-owner-check', 'releases only for the owner, once, and frees the key'],
    ['renew-after-expiry', 'renews only for the owner, only with its token, only while unexpired'],
    ['no-token-bump-on-takeover', 'lets another owner take over an expired lease with a higher token'],
    ['late-release-clears-newer-holder', "a late release or renew never touches a newer holder's lease"],
  ];
  for (const [mutant, check] of expectations) {
    it(`${mutant} fails "${check}"`, async () => {
      const failures = await runPlainChecks(mutantFixture(mutant));
      expect([...failures.keys()]).toContain(check);
      expect(failures.get(check)?.length).toBeGreaterThan(0);
    });
  }
});
