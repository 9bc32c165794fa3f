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
