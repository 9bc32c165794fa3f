// The report's browser code: renders the embedded run data with uPlot (RED charts) and d3-flame-graph (profile).
// Plain script, no modules, no network: the file must work offline from file://.
/* global uPlot, d3, flamegraph */
(() => {
  const data = JSON.parse(document.getElementById('lab-data').textContent);
  const palette = ['#3559e0', '#2e9f5b', '#d97706', '#b4236b', '#0e8fa8', '#7c3aed'];
  const serviceColor = (service) => palette[Math.max(0, data.services.indexOf(service)) % palette.length];
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) node.append(child);
    return node;
  };
  const body = (id) => document.querySelector(`#${id} .body`);
  const time = (seconds) => new Date(seconds * 1000).toISOString().slice(11, 19);
  const ms = (value) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(1)} ms`);
  const anchorOf = { metrics: 'metrics', exemplar: 'exemplar', trace: 'trace', logs: 'logs', profile: 'profile' };

  // The walk, in short, at the top: each link jumps to its section.
  const walkList = document.getElementById('walk');
  for (const link of data.links) {
    walkList.append(el('li', { class: link.ok ? 'ok' : 'broken' }, el('a', { href: `#${anchorOf[link.link]}`, text: link.link }), el('span', { text: link.detail })));
  }

  // 1. RED charts, incident window shaded, the picked exemplar marked.
  const incident = data.incident.window;
  document.querySelector('#metrics .hint').textContent =
    `Requests/s, p95 latency and 5xx share per service (Prometheus job = service). Shaded: the ${data.incident.name} incident, ${time(incident.start)}–${time(incident.end)} UTC. ` +
    (data.exemplar ? 'The red marker is the exemplar picked on the spike.' : '');
  const charts = document.querySelector('#metrics .charts');
  for (const series of data.red) {
    const card = el('div', { class: 'chart', 'data-service': series.service }, el('h3', {}, series.service, ' ', el('small', { text: series.service === data.incident.service ? '(incident target)' : '' })));
    charts.append(card);
    const marker = data.exemplar?.seriesLabels.job === series.service ? data.exemplar : undefined;
    const dots = series.service === data.exemplar?.seriesLabels.job ? data.exemplars : [];
    const width = Math.max(320, card.clientWidth || 540);
    const options = {
      width,
      height: 220,
      legend: { show: true },
      scales: { x: { time: true }, rps: {}, ms: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] }, pct: { range: [0, 100] } },
      axes: [
        { values: (_u, ticks) => ticks.map((t) => time(t)) },
        { scale: 'rps', label: 'req/s', size: 50 },
        { scale: 'ms', label: 'p95 ms', side: 1, size: 60, grid: { show: false } },
      ],
      series: [
        { value: (_u, v) => (v == null ? '–' : time(v)) },
        { label: 'req/s', scale: 'rps', stroke: '#3559e0', width: 2, value: (_u, v) => (v == null ? '–' : v.toFixed(1)) },
        { label: 'p95 ms', scale: 'ms', stroke: '#d97706', width: 2, value: (_u, v) => (v == null ? '–' : v.toFixed(0)) },
        { label: '5xx %', scale: 'pct', stroke: '#c62828', width: 1, dash: [4, 3], value: (_u, v) => (v == null ? '–' : v.toFixed(1)) },
      ],
      hooks: {
        drawClear: [
          (u) => {
            const ctx = u.ctx;
            const left = u.valToPos(incident.start, 'x', true);
            const right = u.valToPos(incident.end, 'x', true);
            ctx.save();
            ctx.fillStyle = 'rgba(229, 57, 53, 0.10)';
            ctx.fillRect(left, u.bbox.top, Math.max(1, right - left), u.bbox.height);
            ctx.restore();
          },
        ],
        draw: [
          (u) => {
            const ctx = u.ctx;
            ctx.save();
            for (const exemplar of dots) {
              const x = u.valToPos(exemplar.timestamp, 'x', true);
              const y = u.valToPos(exemplar.value * 1000, 'ms', true);
              ctx.fillStyle = 'rgba(53, 89, 224, 0.35)';
              ctx.beginPath();
              ctx.arc(x, y, 3, 0, 2 * Math.PI);
              ctx.fill();
            }
            if (marker) {
              const x = u.valToPos(marker.timestamp, 'x', true);
              const y = u.valToPos(marker.value * 1000, 'ms', true);
              ctx.strokeStyle = '#c62828';
              ctx.lineWidth = 2;
              ctx.beginPath();
              ctx.moveTo(x, u.bbox.top);
              ctx.lineTo(x, u.bbox.top + u.bbox.height);
              ctx.stroke();
              ctx.fillStyle = '#c62828';
              ctx.beginPath();
              ctx.arc(x, y, 6, 0, 2 * Math.PI);
              ctx.fill();
            }
            ctx.restore();
          },
        ],
      },
    };
    const toMs = (values) => values.map((v) => (v == null ? null : v * 1000));
    const toPct = (values) => values.map((v) => (v == null ? null : v * 100));
    new uPlot(options, [series.timestamps, series.rate, toMs(series.p95), toPct(series.errorRatio)], card);
  }

  // 2. The exemplar.
  const exemplarBody = body('exemplar');
  if (data.exemplar) {
    const e = data.exemplar;
    exemplarBody.append(
      el(
        'dl',
        { class: 'facts' },
        el('dt', { text: 'series' }), el('dd', {}, el('code', { text: `http_server_request_duration_seconds_bucket{${Object.entries(e.seriesLabels).filter(([k]) => k !== '__name__').map(([k, v]) => `${k}="${v}"`).join(', ')}}` })),
        el('dt', { text: 'value' }), el('dd', { text: ms(e.value * 1000) }),
        el('dt', { text: 'scraped at' }), el('dd', { text: `${time(e.timestamp)} UTC (inside the incident window)` }),
        el('dt', { text: 'trace_id' }), el('dd', {}, el('a', { href: '#trace' }, el('code', { text: e.traceId }))),
        el('dt', { text: 'span_id' }), el('dd', {}, el('a', { href: `#span-${e.spanId}` }, el('code', { text: e.spanId }))),
      ),
    );
  } else exemplarBody.append(el('p', { class: 'empty', text: 'No exemplar was found in the incident window.' }));

  // 3. Waterfall.
  const traceBody = body('trace');
  if (data.waterfall.length > 0) {
    const total = Math.max(...data.waterfall.map((row) => row.startMs + row.durationMs));
    const services = [...new Set(data.waterfall.map((row) => row.service))];
    traceBody.append(
      el('p', { class: 'hint', text: `trace ${data.traceId}: ${data.waterfall.length} spans across ${services.join(' → ')}, ${ms(total)}. Click a span for its attributes; ★ marks local roots (the spans profiles are labelled with).` }),
      el('div', { class: 'legend' }, ...services.map((service) => el('span', { class: 'legend-item' }, el('i', { style: `background:${serviceColor(service)}` }), service))),
    );
    const waterfall = el('div', { class: 'waterfall' });
    for (const row of data.waterfall) {
      const bar = el('div', { class: 'wf-bar', style: `left:${(row.startMs / total) * 100}%;width:${(row.durationMs / total) * 100}%;background:${serviceColor(row.service)}` });
      const attrs = Object.entries(row.attributes).map(([k, v]) => `${k} = ${v}`).join('\n');
      const line = el(
        'div',
        { class: 'wf-row', id: `span-${row.spanId}`, title: `${row.kind} span ${row.spanId}` },
        el('div', { class: 'wf-name', style: `padding-left:${row.depth * 14}px` }, el('span', { class: 'wf-svc', style: `color:${serviceColor(row.service)}`, text: row.service }), ` ${row.localRoot ? '★ ' : ''}${row.name}`),
        el('div', { class: 'wf-track' }, bar),
        el('div', { class: 'wf-dur', text: ms(row.durationMs) }),
        el('div', { class: 'wf-attrs', text: `span_id ${row.spanId} · kind ${row.kind}\n${attrs}` }),
      );
      line.addEventListener('click', () => line.classList.toggle('open'));
      waterfall.append(line);
    }
    traceBody.append(waterfall);
  } else traceBody.append(el('p', { class: 'empty', text: 'No trace was resolved from the exemplar.' }));

  // 4. Logs.
  const logsBody = body('logs');
  if (data.logs.length > 0) {
    const services = [...new Set(data.logs.map((log) => log.service))];
    logsBody.append(el('p', { class: 'hint', text: `${data.logs.length} lines carrying trace_id ${data.traceId}, from ${services.join(', ')}. The span id links to the span in the waterfall.` }));
    const table = el('table', { class: 'logs' }, el('thead', {}, el('tr', {}, ...['time (UTC)', 'service', 'level', 'message', 'span_id', 'fields'].map((h) => el('th', { text: h })))));
    const tbody = el('tbody');
    for (const log of data.logs) {
      const { time: _t, ...rest } = log.fields;
      tbody.append(
        el(
          'tr',
          { 'data-service': log.service },
          el('td', { text: log.time.slice(11, 23) }),
          el('td', {}, el('span', { style: `color:${serviceColor(log.service)};font-weight:600`, text: log.service })),
          el('td', { class: `lvl-${log.level}`, text: log.level }),
          el('td', { text: log.msg }),
          el('td', {}, log.spanId ? el('a', { href: `#span-${log.spanId}` }, el('code', { text: log.spanId })) : ''),
          el('td', { class: 'fields', text: JSON.stringify(rest) }),
        ),
      );
    }
    table.append(tbody);
    logsBody.append(table);
  } else logsBody.append(el('p', { class: 'empty', text: 'No log line carries this trace id.' }));

  // 5. Flamegraph.
  const profileBody = body('profile');
  if (data.flame) {
    const f = data.flame;
    if (!f.labelled) profileBody.append(el('p', { class: 'note', text: `No profile sample is labelled with this trace's local-root span ids (the span was shorter than the sampling period, or span profiles are off): this is ${f.service}'s whole profile for the run instead.` }));
    profileBody.append(el('p', { class: 'hint', text: f.labelled ? `Samples of ${f.service} labelled span_id=${f.spanId} ("${f.spanName}"): ${ms(f.totalMs)} of wall time. Click a frame to zoom.` : `Click a frame to zoom.` }));
    const container = el('div', { id: 'flame' });
    profileBody.append(container);
    const chart = flamegraph.default().width(Math.max(400, container.clientWidth || 1100)).cellHeight(16).inverted(true).transitionDuration(0).minFrameSize(2).title('');
    d3.select(container).datum(f.tree).call(chart);
  } else profileBody.append(el('p', { class: 'empty', text: 'No profile was uploaded for the services of this trace.' }));

  // 6. Every exemplar of the run, and each service's event-loop delay and profile windows.
  const numbersBody = body('numbers');
  if (data.flow) {
    numbersBody.append(el('p', { class: 'hint', text: `${data.flow.exemplars} exemplars of the run (${data.flow.traces} traces) checked like the one above.` }));
    const list = el('ul', { class: 'flow' });
    for (const line of data.flow.lines) list.append(el('li', { class: line.ok ? 'ok' : 'broken', text: line.text }));
    for (const problem of data.flow.problems) list.append(el('li', { class: 'problem', text: problem }));
    numbersBody.append(list);
  }
  if (data.runtime.length > 0) {
    const table = el('table', { class: 'runtime' }, el('thead', {}, el('tr', {}, ...['service', 'largest event-loop delay', 'profile windows'].map((h) => el('th', { text: h })))));
    const tbody = el('tbody');
    for (const row of data.runtime) {
      tbody.append(
        el(
          'tr',
          { 'data-service': row.service },
          el('td', {}, el('span', { style: `color:${serviceColor(row.service)};font-weight:600`, text: row.service })),
          el('td', { text: row.maxEventLoopDelayMs === undefined ? 'not scraped' : ms(row.maxEventLoopDelayMs) }),
          el('td', { text: String(row.profileWindows) }),
        ),
      );
    }
    table.append(tbody);
    numbersBody.append(table);
  }
})();
