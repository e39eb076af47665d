import { describe, it } from 'vitest';
import { describeLockContract } from './contract.js';
import { memfsFileFixture, memoryFixture, postgresFixture, postgresUrlOrSkipReason, realFileFixture, sqliteFileFixture, sqliteMemoryFixture } from './fixtures.js';

describeLockContract('memory', memoryFixture);
describeLockContract('file on memfs', memfsFileFixture);
describeLockContract('file on a real directory', realFileFixture);
describeLockContract('sqlite :memory: with the caller clock', sqliteMemoryFixture('caller'));
describeLockContract('sqlite :memory: with an injected database clock', sqliteMemoryFixture('database'));
describeLockContract('sqlite file, one connection per handle', sqliteFileFixture);

const postgres = postgresUrlOrSkipReason();
if ('url' in postgres) {
  describeLockContract('postgres with the caller clock', postgresFixture(postgres.url, 'caller'));
  describeLockContract('postgres with an injected database clock', postgresFixture(postgres.url, 'database'));
} else {
  describe('postgres: lease contract', () => {
    it.skip(`skipped: ${postgres.skip}`, () => {});
  });
}
