import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dashboards } from '../src/artifacts.ts';
import { schemaProblems } from '../src/schema-check.ts';

interface GridPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number | string; y: number; w: number; h: number };
  options: { legend: { displayMode: string } };
  targets: Record<string, unknown>[];
  panels?: GridPanel[];
}

interface Board {
  panels: GridPanel[];
  graphTooltip: number | string;
  templating: { list: { name: string }[] };
  annotations: { list: { name: string }[] };
}

/** A deep copy as plain JSON, free to break. */
const boards = () => JSON.parse(JSON.stringify(dashboards())) as Record<string, Board>;

test("dashboards validate against Grafana's schema types (@grafana/schema) and the foundation SDK's", () => {
  assert.deepEqual(schemaProblems(boards()), []);
});

test('the schema check rejects unknown fields, wrong types and values outside an enum', () => {
  const broken = boards();
  const overview = broken['services-overview.json']!;
  const timeseries = overview.panels.find((panel) => panel.type === 'timeseries')!;
  timeseries.options.legend.displayMode = 'sideways';
  timeseries.targets[0]!['exprr'] = 'up';
  overview.panels[0]!.gridPos.x = 'left';
  broken['load-test.json']!.graphTooltip = 'sometimes';
  const problems = schemaProblems(broken).join('\n');
  assert.match(problems, /services-overview\.json \/ panel "[^"]+" options.*sideways/);
  assert.match(problems, /services-overview\.json \/ panel "[^"]+" query 0.*exprr/);
  assert.match(problems, /services-overview\.json \(@grafana\/schema Dashboard\).*'string' is not assignable to type 'number'/);
  assert.match(problems, /load-test\.json \(@grafana\/schema Dashboard\)/);
});

test('every panel has a unique id and a place on the 24-column grid without overlapping another', () => {
  for (const [name, board] of Object.entries(boards())) {
    const panels = board.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const ids = panels.map((panel) => panel.id);
    assert.equal(new Set(ids).size, ids.length, `${name}: panel ids unique`);
    for (const [index, a] of panels.entries()) {
      const ax = Number(a.gridPos.x);
      assert.ok(ax >= 0 && ax + a.gridPos.w <= 24 && a.gridPos.h > 0, `${name}: "${a.title}" fits`);
      for (const b of panels.slice(index + 1)) {
        const bx = Number(b.gridPos.x);
        const overlap =
          ax < bx + b.gridPos.w && bx < ax + a.gridPos.w && a.gridPos.y < b.gridPos.y + b.gridPos.h && b.gridPos.y < a.gridPos.y + a.gridPos.h;
        assert.ok(!overlap, `${name}: "${a.title}" overlaps "${b.title}"`);
      }
    }
  }
});

test('the dashboards have the panels the lab relies on', () => {
  const all = boards();
  const types = (file: string) => new Set(all[file]!.panels.map((panel) => panel.type));
  assert.ok(types('services-overview.json').has('heatmap') && types('services-overview.json').has('nodeGraph'));
  for (const type of ['logs', 'table', 'flamegraph', 'heatmap', 'stat']) assert.ok(types('service-detail.json').has(type), type);
  const withExemplars = JSON.stringify(all['services-overview.json']).match(/"exemplar":true/g) ?? [];
  assert.ok(withExemplars.length >= 2, 'latency panels ask for exemplars');
  const variables = (file: string) => all[file]!.templating.list.map((variable) => variable.name);
  assert.deepEqual(variables('service-detail.json'), ['service', 'route']);
  assert.deepEqual(variables('load-test.json'), ['testid', 'scenario']);
  assert.equal(all['load-test.json']!.annotations.list.at(-1)?.name, 'k6 runs');
});
