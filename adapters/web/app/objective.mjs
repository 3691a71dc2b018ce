// An objective: its key results with charts, its audit history as a
// timeline, and a time slider that shows it as the log knew it at any
// instant (as_of): old targets, values and alignment.
import { html, useState, useEffect, useRef, api, base, q, num, pct, Status, Bar, shortInstant } from './lib.mjs';
import { KrChart } from './charts.mjs';

function KrTable({ objective }) {
  return html`<table class="krs-table">
    <caption>Key results</caption>
    <thead><tr><th scope="col">Key result</th><th scope="col">Current</th><th scope="col">Start</th>
      <th scope="col">Target</th><th scope="col">Progress</th><th scope="col">Status</th><th scope="col">Confidence</th></tr></thead>
    <tbody>${objective.key_results.map((k) => html`<tr key=${k.id} data-kr=${k.id}>
      <th scope="row">${k.title}${k.state === 'removed' ? ' (removed)' : ''}</th>
      <td class="current">${num(k.current)} ${k.unit}</td><td>${num(k.start)}</td>
      <td class="target">${num(k.target)}</td><td>${pct(k.progress)}</td>
      <td><${Status} status=${k.status} /></td><td>${k.confidence ?? '—'}</td></tr>`)}</tbody>
  </table>`;
}

function Change({ c }) {
  const show = (v) => (v === null || v === undefined ? '—' : typeof v === 'number' ? num(v, 3)
    : typeof v === 'object' ? JSON.stringify(v) : String(v));
  return html`<li><code>${c.field}</code>: ${show(c.before)} → ${show(c.after)}</li>`;
}

function Timeline({ entries, onShow }) {
  const [all, setAll] = useState(false);
  const list = all ? entries : entries.slice(-30);
  return html`<section aria-labelledby="hist-h">
    <h2 id="hist-h">History</h2>
    ${entries.length > list.length && html`<button type="button" onClick=${() => setAll(true)}>
      Show all ${entries.length} entries</button>`}
    <ol class="timeline">${list.slice().reverse().map((e) => html`<li key=${e.position}>
      <p><time datetime=${e.recorded_at}>${shortInstant(e.recorded_at)}</time>
        <strong> ${e.actor}</strong> ${e.type} <span class="muted">${e.stream}</span>
        <button type="button" class="link" onClick=${() => onShow(e.recorded_at)}>show this version</button></p>
      ${e.reason && html`<p class="reason">Why: ${e.reason}</p>`}
      ${e.changes && e.changes.length > 0 && html`<ul>${e.changes.map((c, i) => html`<${Change} key=${i} c=${c} />`)}</ul>`}
    </li>`)}</ol>
  </section>`;
}

export function ObjectivePage({ id }) {
  const [now, setNow] = useState(null);
  const [history, setHistory] = useState(null);
  const [cycle, setCycle] = useState(null);
  const [krs, setKrs] = useState([]);
  const [asOf, setAsOf] = useState(null);   // null: now
  const [past, setPast] = useState(null);
  const [error, setError] = useState(null);
  const timer = useRef(null);

  useEffect(() => {
    (async () => {
      try {
        const [o, h] = await Promise.all([api('GET', `/v1/objectives/${q(id)}`),
          api('GET', `/v1/objectives/${q(id)}/history`)]);
        const [c, ...list] = await Promise.all([api('GET', `/v1/cycles/${q(o.cycle_id)}`),
          ...o.key_results.filter((k) => k.state === 'active').map((k) => api('GET', `/v1/key-results/${q(k.id)}`))]);
        setNow(o);
        setHistory(h.entries || []);
        setCycle(c);
        setKrs(list);
      } catch (p) { setError(p); }
    })();
  }, [id]);
  useEffect(() => {
    clearTimeout(timer.current);
    if (!asOf) { setPast(null); return undefined; }
    timer.current = setTimeout(() => {
      api('GET', `/v1/objectives/${q(id)}?as_of=${q(asOf)}`).then(setPast, (p) => setPast({ problem: p }));
    }, 120);
    return () => clearTimeout(timer.current);
  }, [asOf, id]);

  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (!now || !history) return html`<p class="loading">Loading the objective…</p>`;
  const times = history.map((e) => Date.parse(e.recorded_at));
  // In milliseconds: the log's instants are microseconds apart at most.
  const min = times.length ? Math.min(...times) : Date.now();
  const end = (times.length ? Math.max(...times) : Date.now()) + 1;
  const value = asOf ? Date.parse(asOf) : end;
  const onSlide = (e) => {
    const v = Number(e.target.value);
    setAsOf(v >= end ? null : new Date(v).toISOString());
  };
  const shown = asOf && past && !past.problem ? past : now;
  return html`<h1>${now.title}</h1>
    <p class="muted">${`${now.level} objective of ${now.owner}${now.team ? ' · ' + now.team : ''} in cycle `}
      <a href=${`#/tree/${q(now.cycle_id)}`}>${now.cycle_id}</a>${'; '}
      <a href=${`${base}/v1/cycles/${q(now.cycle_id)}/retrospective?format=html&objective=${q(now.id)}`}>retrospective of this objective and below</a></p>
    <section class="slider" aria-labelledby="asof-h">
      <h2 id="asof-h">As the log knew it</h2>
      <label for="as-of">As of</label>
      <input id="as-of" type="range" min=${min} max=${end} step="1" value=${value} onInput=${onSlide}
        aria-valuetext=${asOf ? shortInstant(asOf) : 'now'} />
      <output for="as-of" id="as-of-text">${asOf ? shortInstant(asOf) : 'now'}</output>
      ${asOf && html`<button type="button" onClick=${() => setAsOf(null)}>Back to now</button>`}
      ${past && past.problem && html`<p class="error" role="alert">${past.problem.message}</p>`}
    </section>
    <section class=${asOf ? 'state past' : 'state'} aria-labelledby="state-h" aria-live="polite">
      <h2 id="state-h">${asOf ? `As of ${shortInstant(asOf)}` : 'Now'}</h2>
      <p>State <strong>${shown.state}</strong>, <${Status} status=${shown.status} />, progress ${pct(shown.progress)}${' '}
        <${Bar} progress=${shown.progress} expected=${asOf ? undefined : cycle && cycle.expected} />${'; aligned under '}
        <span class="parent">${shown.parent_id || 'nothing'}</span>.</p>
      <${KrTable} objective=${shown} />
    </section>
    ${!asOf && krs.length > 0 && html`<section aria-labelledby="charts-h"><h2 id="charts-h">Charts</h2>
      ${krs.map((k) => html`<figure key=${k.id}><figcaption>${k.title}</figcaption><${KrChart} kr=${k} cycle=${cycle} /></figure>`)}
    </section>`}
    <${Timeline} entries=${history} onShow=${(t) => setAsOf(t)} />`;
}
