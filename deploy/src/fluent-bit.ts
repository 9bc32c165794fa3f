// Fluent Bit's classic configuration format ([SECTION] then `Key Value` lines), enough to check what the loki
// output sends as labels and as structured metadata.
export interface FluentBitSection {
  name: string;
  /** Keys lower-cased (Fluent Bit keys are case-insensitive); repeated keys keep every value. */
  entries: Map<string, string[]>;
}

export function parseClassicConfig(text: string): FluentBitSection[] {
  const sections: FluentBitSection[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([A-Z_]+)\]$/.exec(line);
    if (header) {
      sections.push({ name: header[1]!, entries: new Map() });
      continue;
    }
    const current = sections.at(-1);
    if (!current) throw new Error(`fluent-bit config: "${line}" outside a section`);
    const match = /^(\S+)\s+(.*)$/.exec(line);
    if (!match) throw new Error(`fluent-bit config: "${line}" has no value`);
    const key = match[1]!.toLowerCase();
    current.entries.set(key, [...(current.entries.get(key) ?? []), match[2]!.trim()]);
  }
  return sections;
}

export function value(section: FluentBitSection, key: string): string | undefined {
  return section.entries.get(key.toLowerCase())?.at(-1);
}

/** `a=$x, b=$y['z']` into [['a', "$x"], ['b', "$y['z']"]]. */
export function keyValueList(text: string | undefined): [string, string][] {
  if (!text) return [];
  return text.split(',').map((pair) => {
    const [key, ...rest] = pair.split('=');
    return [key!.trim(), rest.join('=').trim()];
  });
}

export interface LogKeysLike {
  traceId: string;
  spanId: string;
  service: string;
}

const EXPECTED_LABELS = ['level', 'namespace', 'service_name'];

/** What is wrong with the pipeline for our logs: the tail input, the kubernetes merge, the loki output's labels. */
export function pipelineProblems(sections: FluentBitSection[], keys: LogKeysLike): string[] {
  const problems: string[] = [];
  const find = (name: string, plugin: string) => sections.find((section) => section.name === name && value(section, 'name') === plugin);
  const tail = find('INPUT', 'tail');
  if (!tail || value(tail, 'path') !== '/var/log/containers/*.log') problems.push('no tail input on /var/log/containers/*.log');
  if (tail && value(tail, 'multiline.parser') !== 'docker, cri') problems.push('the tail input needs multiline.parser docker, cri');
  const kubernetes = find('FILTER', 'kubernetes');
  if (!kubernetes || value(kubernetes, 'merge_log')?.toLowerCase() !== 'on') problems.push('the kubernetes filter must Merge_Log On (the JSON line becomes fields)');
  const output = find('OUTPUT', 'loki');
  if (!output) return [...problems, 'no loki output'];
  const labels = keyValueList(value(output, 'labels'));
  const names = labels.map(([key]) => key).sort();
  if (names.join() !== EXPECTED_LABELS.join()) problems.push(`labels are ${names.join(', ') || 'none'}, expected ${EXPECTED_LABELS.join(', ')}`);
  if (labels.some(([, source]) => source.includes(keys.traceId) || source.includes(keys.spanId))) problems.push('a trace or span id is used as a label');
  if (Object.fromEntries(labels)['service_name'] !== `$${keys.service}`) problems.push(`service_name must come from the logger's "${keys.service}" field`);
  if (value(output, 'auto_kubernetes_labels')?.toLowerCase() !== 'off') problems.push('auto_kubernetes_labels must be off (pod labels would become Loki labels)');
  const metadata = Object.fromEntries(keyValueList(value(output, 'structured_metadata')));
  if (metadata[keys.traceId] !== `$${keys.traceId}`) problems.push(`structured_metadata must carry ${keys.traceId}=$${keys.traceId}`);
  if (metadata[keys.spanId] !== `$${keys.spanId}`) problems.push(`structured_metadata must carry ${keys.spanId}=$${keys.spanId}`);
  if (output.entries.has('structured_metadata_keys')) problems.push('structured_metadata_keys does not exist and stops Fluent Bit from starting');
  return problems;
}
