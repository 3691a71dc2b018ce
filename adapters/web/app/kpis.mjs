// KPIs: each with its health (in words and colour) and latest value, a
// chart of its measurements, and a form to record one.
import { html, useState, useEffect, api, q, num, FieldError, FormError } from './lib.mjs';
import { KpiChart } from './charts.mjs';

function Record({ kpi, onDone }) {
  const [problem, setProblem] = useState(null);
  async function submit(e) {
    e.preventDefault();
    const f = new FormData(e.target);
    const body = {};
    if (f.get('value') !== '') body.value = Number(f.get('value'));
    if (f.get('date')) body.date = f.get('date');
    try {
      await api('POST', `/v1/kpis/${q(kpi.id)}/measurements`, body);
      setProblem(null);
      onDone();
    } catch (p) { setProblem(p); }
  }
  const id = `kpi-${kpi.id}`;
  return html`<form class="checkin write" onSubmit=${submit} aria-label=${'Record a measurement of ' + kpi.name} novalidate>
    <div class="field"><label for=${id + '-value'}>Value</label>
      <input id=${id + '-value'} name="value" type="number" step="any" value=${kpi.latest ? kpi.latest.value : ''} />
      <${FieldError} problem=${problem} field="value" id=${id + '-value-error'} /></div>
    <div class="field"><label for=${id + '-date'}>Date</label>
      <input id=${id + '-date'} name="date" type="date" />
      <${FieldError} problem=${problem} field="date" id=${id + '-date-error'} /></div>
    <button type="submit">Record</button>
    <${FormError} problem=${problem} fields=${['value', 'date']} />
  </form>`;
}

export function Kpis() {
  const [list, setList] = useState(null);
  const [open, setOpen] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api('GET', '/v1/kpis').then((r) => setList(r.kpis || []), setError);
  const show = (id) => api('GET', `/v1/kpis/${q(id)}`).then(setOpen, setError);
  useEffect(() => { load(); }, []);
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (!list) return html`<p class="loading">Loading KPIs…</p>`;
  return html`<h1>KPIs</h1>
    ${list.length === 0 ? html`<p>No KPIs yet.</p>` : html`<table>
      <caption>Key performance indicators</caption>
      <thead><tr><th scope="col">KPI</th><th scope="col">Owner</th><th scope="col">Latest</th>
        <th scope="col">Healthy range</th><th scope="col">Health</th><th scope="col"></th></tr></thead>
      <tbody>${list.map((k) => html`<tr key=${k.id}>
        <th scope="row">${k.name}</th><td>${k.owner}</td>
        <td>${k.latest ? `${num(k.latest.value)} ${k.unit} (${k.latest.date})` : '—'}</td>
        <td>${num(k.healthy_min)} to ${num(k.healthy_max)}</td>
        <td><span class=${'status h-' + k.health}>${k.health}</span></td>
        <td><button type="button" onClick=${() => show(k.id)} aria-label=${'Open ' + k.name}>Open</button></td>
      </tr>`)}</tbody></table>`}
    ${open && html`<section aria-labelledby="kpi-h"><h2 id="kpi-h">${open.name}</h2>
      <${KpiChart} kpi=${open} />
      <${Record} kpi=${open} onDone=${() => { show(open.id); load(); }} />
    </section>`}`;
}
