/**
 * The ETL the bucket system promises, written again from its specification (one row per JSON line,
 * keys sorted, values tab-joined; `\N` for null; `\\`, `\t`, `\n`, `\r` escaped in strings; other
 * values as JSON), so the exactly-once checker does not grade the worker with the worker's own code.
 */
export function expectedOutput(inputText: string): string {
  const lines = inputText.split('\n').slice(1).filter((line) => line.trim() !== '' && line !== '#end');
  let output = '';
  for (const line of lines) {
    const record = JSON.parse(line) as Record<string, unknown>;
    const cells: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const value = record[key];
      if (value === null) cells.push('\\N');
      else if (typeof value === 'string') cells.push(escapeCell(value));
      else cells.push(JSON.stringify(value));
    }
    output += cells.join('\t') + '\n';
  }
  return output;
}

function escapeCell(text: string): string {
  let escaped = '';
  for (const char of text) {
    if (char === '\\') escaped += '\\\\';
    else if (char === '\t') escaped += '\\t';
    else if (char === '\n') escaped += '\\n';
    else if (char === '\r') escaped += '\\r';
    else escaped += char;
  }
  return escaped;
}
