import { Flags } from '@oclif/core';
import { runLockClient, type LockClientResult } from '../../../real/campaign/lock-client.js';
import { SimrunCommand } from '../../base.js';

export default class RealLockClientCommand extends SimrunCommand {
  static override hidden = true;
  static override summary = 'One lock client of `simrun real lock`: take turns on keys through a shared lock, writing a fenced resource.';
  static override description =
    "Takes turns with the other clients on --keys keys through the shared --lock with the library's withLock (renewing every third of --ttl-ms), writing the fenced SQLite resource --fence --steps times per section. Every store answer, belief, loss and fence verdict is a JSON line on standard error. Stops on SIGTERM or SIGINT, releasing its lease.";
  static override examples = ['<%= config.bin %> real lock-client --name client-1 --lock sqlite:locks.db --fence fence.db'];
  static override enableJsonFlag = true;
  static override flags = {
    name: Flags.string({ description: "this client's name (the lock owner is NAME#pid)", required: true }),
    lock: Flags.string({ description: 'the shared lock: sqlite:PATH, file:DIR or postgres://...', required: true }),
    fence: Flags.string({ description: "the fenced resource's SQLite file", required: true }),
    keys: Flags.integer({ description: 'keys to take turns on', default: 2, min: 1 }),
    'ttl-ms': Flags.integer({ description: 'lease length, ms', default: 1_000, min: 1 }),
    steps: Flags.integer({ description: 'fenced writes per section', default: 5, min: 1 }),
    'step-ms': Flags.integer({ description: 'time between writes, ms', default: 200, min: 0 }),
    'think-ms': Flags.integer({ description: 'rest up to this long between sections, ms', default: 300, min: 0 }),
    mutant: Flags.string({ description: 'use a deliberately broken lock store (for simrun real lock --mutant)' }),
  };

  async run(): Promise<LockClientResult> {
    const { flags } = await this.parse(RealLockClientCommand);
    const result = await runLockClient({
      name: flags.name,
      lock: flags.lock,
      fence: flags.fence,
      keys: flags.keys,
      ttlMs: flags['ttl-ms'],
      steps: flags.steps,
      stepMs: flags['step-ms'],
      thinkMsMax: flags['think-ms'],
      ...(flags.mutant === undefined ? {} : { mutant: flags.mutant }),
    });
    this.log(`${result.owner}: ${result.sections} sections, ${result.writes} writes`);
    return result;
  }
}
