/**
 * JUnit XML for CI systems: one test suite per scenario, one test case for its seed range and one
 * per failing seed, with the replay command in the failure text.
 */
export interface JunitSuite {
  readonly name: string;
  readonly runs: number;
  readonly wallMs: number;
  readonly failures: readonly { readonly seed: number; readonly invariant: string; readonly message: string; readonly replay: string }[];
  readonly seedRange: string;
}

export function renderJunit(suites: readonly JunitSuite[]): string {
  const lines = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const total = suites.reduce((sum, suite) => sum + 1 + suite.failures.length, 0);
  const failed = suites.reduce((sum, suite) => sum + suite.failures.length, 0);
  lines.push(`<testsuites name="simrun check" tests="${total}" failures="${failed}">`);
  for (const suite of suites) {
    const seconds = (suite.wallMs / 1000).toFixed(3);
    lines.push(`  <testsuite name="${xml(suite.name)}" tests="${1 + suite.failures.length}" failures="${suite.failures.length}" time="${seconds}">`);
    lines.push(`    <testcase classname="${xml(suite.name)}" name="${xml(`${suite.runs} seeds (${suite.seedRange})`)}" time="${seconds}"/>`);
    for (const failure of suite.failures) {
      lines.push(`    <testcase classname="${xml(suite.name)}" name="seed ${failure.seed}">`);
      lines.push(`      <failure message="${xml(`${failure.invariant}: ${failure.message}`)}">${xml(`${failure.message}\nreplay: ${failure.replay}`)}</failure>`);
      lines.push('    </testcase>');
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}

/** Characters XML 1.0 cannot hold at all (they would make the file unreadable), dropped. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;

function xml(text: string): string {
  return text.replace(/[<>&"']/g, (char) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[char] as string).replace(NOT_XML, '');
}
