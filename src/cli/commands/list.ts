import { loadBuiltInScenarios } from '../../scenario/registry.js';
import { SimrunCommand } from '../base.js';

export default class ListCommand extends SimrunCommand {
  static override summary = 'List the built-in scenarios with a one-line summary each.';
  static override enableJsonFlag = true;

  async run(): Promise<{ scenarios: { name: string; summary: string; mutants: string[] }[] }> {
    await this.parse(ListCommand);
    const scenarios = await loadBuiltInScenarios();
    const width = Math.max(0, ...scenarios.map((scenario) => scenario.name.length));
    for (const scenario of scenarios) this.log(`${scenario.name.padEnd(width)}  ${scenario.summary}`);
    return { scenarios: scenarios.map((scenario) => ({ name: scenario.name, summary: scenario.summary, mutants: Object.keys(scenario.mutants ?? {}) })) };
  }
}
