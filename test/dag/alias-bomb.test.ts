/** A "billion laughs" pipeline file is one input error, never an exhausted process or exit 3. */
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/env/errors.js';
import { parsePipeline } from '../../src/systems/dag/pipeline-file.js';

const BOMB = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
  'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
  'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
  'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
  'jobs: {}',
].join('\n');

describe('a YAML alias bomb in a pipeline file', () => {
  it('is refused as one input error line', () => {
    expect(() => parsePipeline(BOMB, 'bomb.yaml')).toThrow(InputError);
    expect(() => parsePipeline(BOMB, 'bomb.yaml')).toThrow(/^bomb\.yaml: cannot expand the YAML: .*alias/);
    try {
      parsePipeline(BOMB, 'bomb.yaml');
    } catch (error) {
      expect((error as Error).message.split('\n')).toHaveLength(1);
    }
  });
});
