// Charts on uPlot (canvas). Each chart also says in words what it shows,
// for people who cannot see it.
import uPlot from './uplot.mjs';
import { html, useEffect, useRef, num } from './lib.mjs';

const day = (d) => Date.parse(d + 'T00:00:00Z') / 1000;

// The x values and series of a key result's check-ins against the ideal
// line from its start on the cycle's first day to its target on its last.
function krData(kr, cycle) {
  const pts = (kr.series || []).map((c) => [day(c.date), c.value]);
  const xs = new Set(pts.map((p) => p[0]));
  if (cycle) { xs.add(day(cycle.starts_on)); xs.add(day(cycle.ends_on)); }
  const x = [...xs].sort((a, b) => a - b);
  const byX = new Map();
  for (const [t, v] of pts) byX.set(t, v);  // the latest of a day wins
  const values = x.map((t) => (byX.has(t) ? byX.get(t) : null));
  const ideal = x.map((t) => {
    if (!cycle) return null;
    if (t === day(cycle.starts_on)) return kr.start;
    if (t === day(cycle.ends_on)) return kr.target;
    return null;
  });
  return [x, values, ideal];
}

function Plot({ opts, data, label, className }) {
  const el = useRef(null);
  useEffect(() => {
    if (!el.current) return undefined;
    const plot = new uPlot(opts, data, el.current);
    return () => plot.destroy();
  }, [JSON.stringify(data), opts.width, opts.height]);
  return html`<div class=${className} role="img" aria-label=${label} ref=${el}></div>`;
}

function describe(kr) {
  const s = kr.series || [];
  if (s.length === 0) return `no check-ins yet; start ${num(kr.start)}, target ${num(kr.target)}`;
  return `${s.length} check-ins from ${num(s[0].value)} to ${num(s[s.length - 1].value)}; ` +
    `start ${num(kr.start)}, target ${num(kr.target)}`;
}

export function Sparkline({ kr, cycle }) {
  const opts = {
    width: 140, height: 36, legend: { show: false }, cursor: { show: false },
    scales: { x: { time: false } }, axes: [{ show: false }, { show: false }],
    series: [{}, { stroke: '#1f6feb', width: 2, spanGaps: true, points: { size: 4 } },
      { stroke: '#8a8f98', width: 1, dash: [4, 3], spanGaps: true, points: { show: false } }],
  };
  return html`<${Plot} className="spark" opts=${opts} data=${krData(kr, cycle)}
    label=${'sparkline: ' + describe(kr) + ', against the ideal line'} />`;
}

export function KrChart({ kr, cycle }) {
  const opts = {
    width: 520, height: 200, cursor: { show: true }, legend: { show: true },
    series: [{ label: 'date' }, { label: 'value', stroke: '#1f6feb', width: 2, spanGaps: true },
      { label: 'ideal', stroke: '#8a8f98', dash: [6, 4], spanGaps: true, points: { show: false } }],
  };
  return html`<${Plot} className="chart" opts=${opts} data=${krData(kr, cycle)}
    label=${'chart of ' + kr.title + ': ' + describe(kr)} />`;
}

export function KpiChart({ kpi }) {
  const m = kpi.measurements || [];
  const x = m.map((p) => day(p.date));
  const opts = {
    width: 520, height: 200, legend: { show: true },
    series: [{ label: 'date' }, { label: kpi.name, stroke: '#1f6feb', width: 2 }],
  };
  const label = m.length === 0 ? `${kpi.name}: no measurements yet`
    : `${kpi.name}: ${m.length} measurements, latest ${num(m[m.length - 1].value)} ${kpi.unit}`;
  return html`<${Plot} className="chart" opts=${opts} data=${[x, m.map((p) => p.value)]} label=${label} />`;
}
