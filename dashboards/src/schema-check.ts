// Validates dashboard JSON against Grafana's schema as TypeScript types, with the TypeScript compiler: the types
// @grafana/schema generates from Grafana's CUE schema (Dashboard, each panel plugin's Options and FieldConfig) and
// the foundation SDK's (Dashboard, panel options, each datasource's query model). Every JSON value is checked as a
// fresh object literal with `satisfies`, so unknown properties, wrong types and values outside an enum all fail.
import { join } from 'node:path';
import ts from 'typescript';

const packageRoot = join(import.meta.dirname, '..');
const virtualFile = join(packageRoot, 'src', '__schema_check__.ts');

/** Panel plugin -> its options types in @grafana/schema (`schema`) and the SDK (`sdk`). */
const panelTypes: Record<string, { schema: string; sdk: string; fieldConfig?: string }> = {
  timeseries: { schema: 'timeseries/panelcfg/x/TimeSeriesPanelCfg', sdk: 'timeseries', fieldConfig: 'FieldConfig' },
  stat: { schema: 'stat/panelcfg/x/StatPanelCfg', sdk: 'stat' },
  heatmap: { schema: 'heatmap/panelcfg/x/HeatmapPanelCfg', sdk: 'heatmap', fieldConfig: 'FieldConfig' },
  logs: { schema: 'logs/panelcfg/x/LogsPanelCfg', sdk: 'logs' },
  table: { schema: 'table/panelcfg/x/TablePanelCfg', sdk: 'table', fieldConfig: 'FieldConfig' },
  nodeGraph: { schema: 'nodegraph/panelcfg/x/NodeGraphPanelCfg', sdk: 'nodegraph' },
};

/** Datasource type -> the SDK's query model type. */
const queryTypes: Record<string, string> = {
  prometheus: 'prometheus.Dataquery',
  loki: 'loki.dataquery',
  tempo: 'tempo.Dataquery',
  'grafana-pyroscope-datasource': 'grafanapyroscope.dataquery',
};

const header = [
  "import type { Dashboard } from '@grafana/schema';",
  "import type * as sdk from '@grafana/grafana-foundation-sdk/dashboard';",
  "import type * as prometheus from '@grafana/grafana-foundation-sdk/prometheus';",
  "import type * as loki from '@grafana/grafana-foundation-sdk/loki';",
  "import type * as tempo from '@grafana/grafana-foundation-sdk/tempo';",
  "import type * as grafanapyroscope from '@grafana/grafana-foundation-sdk/grafanapyroscope';",
  ...Object.entries(panelTypes).flatMap(([type, { schema, sdk }]) => [
    `import type * as ${type}Schema from '@grafana/schema/dist/esm/raw/composable/${schema}_types.gen';`,
    `import type * as ${type}Sdk from '@grafana/grafana-foundation-sdk/${sdk}';`,
  ]),
  // JSON spells enum members as their values: map every string enum to the union of its values. The SDK brands
  // query models with `_implementsDataqueryVariant`; a brand-only type is a query of any datasource (checked apart).
  "type Brand = '_implementsDataqueryVariant';",
  `type Json<T> = unknown extends T ? T : T extends string ? \`\${T}\` : T extends number | boolean | null | undefined ? T : ` +
    'T extends readonly (infer U)[] ? Json<U>[] : [Exclude<keyof T, Brand>, Brand extends keyof T ? 1 : 0] extends [never, 1] ? ' +
    'Record<string, unknown> : T extends object ? { [K in keyof T as K extends Brand ? never : K]: Json<T[K]> } : T;',
];

interface Check {
  label: string;
  value: unknown;
  type: string;
}

interface PanelJson {
  type: string;
  title?: string;
  options?: unknown;
  fieldConfig?: { defaults?: { custom?: unknown } };
  targets?: { datasource?: { type?: string } }[];
  datasource?: { type?: string };
  panels?: PanelJson[];
}

function panelChecks(board: string, panel: PanelJson): Check[] {
  const where = `${board} / panel "${panel.title}"`;
  const types = panelTypes[panel.type];
  const checks: Check[] = [];
  if (types) {
    checks.push({ label: `${where} options (@grafana/schema)`, value: panel.options ?? {}, type: `${panel.type}Schema.Options` });
    checks.push({ label: `${where} options (foundation SDK)`, value: panel.options ?? {}, type: `${panel.type}Sdk.Options` });
    if (types.fieldConfig) {
      const custom = panel.fieldConfig?.defaults?.custom ?? {};
      checks.push({ label: `${where} field config`, value: custom, type: `${panel.type}Schema.${types.fieldConfig}` });
    }
  } else if (panel.type !== 'row' && panel.type !== 'flamegraph') {
    checks.push({ label: `${where}: no schema for panel type ${panel.type}`, value: 0, type: 'never' });
  }
  for (const [index, target] of (panel.targets ?? []).entries()) {
    const type = queryTypes[target.datasource?.type ?? panel.datasource?.type ?? ''] ?? 'never';
    checks.push({ label: `${where} query ${index}`, value: target, type });
  }
  return checks;
}

interface AnnotationJson {
  name?: string;
  datasource?: { type?: string };
  target?: unknown;
}

/** Prometheus annotation fields Grafana stores beside the target; the SDK's AnnotationQuery types them. */
const prometheusAnnotationFields = ['titleFormat', 'textFormat', 'tagKeys', 'step', 'useValueForTime'];

/**
 * Annotation targets are query models of their datasource, which @grafana/schema's generic AnnotationTarget does
 * not describe: they are checked against the datasource's query type instead, and the Prometheus-only fields only
 * against the SDK's AnnotationQuery.
 */
function annotationChecks(name: string, board: { annotations?: { list?: AnnotationJson[] } }) {
  const list = board.annotations?.list ?? [];
  const checks: Check[] = list.map((annotation) => ({
    label: `${name} / annotation "${annotation.name}" query`,
    value: annotation.target ?? {},
    type: queryTypes[annotation.datasource?.type ?? ''] ?? 'never',
  }));
  const generic = (annotation: AnnotationJson) =>
    Object.fromEntries(
      Object.entries(annotation).filter(([key]) => key !== 'target' && !prometheusAnnotationFields.includes(key)),
    );
  const withoutTargets = { ...board, annotations: { ...board.annotations, list: list.map(generic) } };
  return { checks, withoutTargets };
}

function checksFor(boards: Record<string, unknown>): Check[] {
  return Object.entries(boards).flatMap(([name, board]) => {
    const panels = ((board as { panels?: PanelJson[] }).panels ?? []).flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const annotations = annotationChecks(name, board as { annotations?: { list?: AnnotationJson[] } });
    return [
      { label: `${name} (@grafana/schema Dashboard)`, value: annotations.withoutTargets, type: 'Dashboard' },
      { label: `${name} (foundation SDK Dashboard)`, value: board, type: 'sdk.Dashboard' },
      ...annotations.checks,
      ...panels.flatMap((panel) => panelChecks(name, panel)),
    ];
  });
}

/** Type errors of `boards` (file name -> dashboard JSON) against Grafana's schema; empty when valid. */
export function schemaProblems(boards: Record<string, unknown>): string[] {
  const checks = checksFor(boards);
  // One check per line, so a diagnostic's line names the check.
  const source = [
    ...header,
    ...checks.map((check, index) => `export const check${index} = (${JSON.stringify(check.value)}) satisfies Json<${check.type}>;`),
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (fileName, language, ...rest) =>
    fileName === virtualFile ? ts.createSourceFile(fileName, source, language) : getSourceFile(fileName, language, ...rest);
  host.fileExists = (fileName) => fileName === virtualFile || fileExists(fileName);
  host.readFile = (fileName) => (fileName === virtualFile ? source : readFile(fileName));
  const program = ts.createProgram([virtualFile], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (diagnostic.file?.fileName !== virtualFile || diagnostic.start === undefined) return message;
    const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - header.length;
    return `${checks[line]?.label ?? 'header'}: ${message}`;
  });
}
