/**
 * An unknown command is bad input like any other: one line on stderr in simrun's own form, naming
 * where the commands are listed, and exit 2 (oclif's default prints its own styled error instead).
 */
import type { Hook } from '@oclif/core';

const hook: Hook<'command_not_found'> = async function commandNotFound({ id }) {
  const words = id.split(':');
  // The deepest topic the words start with (`real` for `real nosuch`): its help lists the commands there.
  const topics = new Set(this.config.topics.map((topic) => topic.name));
  let topic = '';
  for (let length = words.length - 1; length > 0 && topic === ''; length -= 1) {
    const candidate = words.slice(0, length).join(':');
    if (topics.has(candidate)) topic = candidate.replaceAll(':', ' ');
  }
  const where = topic === '' ? 'simrun --help lists the commands' : `simrun ${topic} --help lists its commands`;
  process.stderr.write(`simrun: unknown command '${words.join(' ')}' (${where})\n`);
  this.exit(2);
};

export default hook;
