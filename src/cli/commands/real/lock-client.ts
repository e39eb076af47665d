import { Flags } from '@oclif/core';
import { runLockClient, type LockClientResult } from '../../../real/campaign/lock-client.js';
import { REAL_LOCK_MUTANTS } from '../../../real/campaign/lock-mutants.js';
import { SimrunCommand } from '../../base.js';
import { countFlag, durationMsFlag, lockSpecFlag, nameFlag, outputFileFlag } from '../../flags.js';

export default class RealLockClientCommand extends SimrunCommand {
  static override hidden = true;
  static override summary = 'One lock client of `simrun real lock`: take turns on keys through a shared lock, writing a fenced resource.';
  static override description =
    "Takes turns with the other clients on --keys keys through the shared --lock with the library's withLock (renewing every third of --ttl-ms), writing the fenced SQLite resource --fence --steps times per section. Every store answer, belief, loss and fence verdict is a JSON line on standard error. Stops on SIGTERM or SIGINT, releasing its lease.";
  static override examples = ['<%= config.bin %> real lock-client --name client-1 --lock sqlite:locks.db --fence fence.db'];
  static override enableJsonFlag = true;
  static override flags = {
    name: nameFlag({ description: "this client's name (the lock owner is NAME#pid)", required: true }),
    lock: lockSpecFlag({ description: 'the shared lock: sqlite:PATH, file:DIR or postgres://...', required: true }),
    fence: outputFileFlag({ description: "the fenced resource's SQLite file", required: true }),
    keys: countFlag({ description: 'keys to take turns on', default: 2, max: 1_000 }),
    'ttl-ms': durationMsFlag({ description: 'lease length, ms', default: 1_000 }),
    steps: countFlag({ description: 'fenced writes per section', default: 5 }),
    'step-ms': durationMsFlag({ description: 'time between writes, ms', default: 200, min: 0 }),
    'think-ms': durationMsFlag({ description: 'rest up to this long between sections, ms', default: 300, min: 0 }),
    mutant: Flags.string({ description: 'use a deliberately broken lock store (for simrun real lock --mutant)', options: Object.keys(REAL_LOCK_MUTANTS) }),
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
