// What changed in a cycle between two instants (default: the last 7 days):
// the window diff, readable.
import { html, useState, useEffect, api, q, num, pct, toInstant, toLocalInput } from './lib.mjs';

function show(v, field) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && (field === 'progress' || field === 'attainment')) return pct(v);
  if (typeof v === 'number') return num(v, 3);
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function Fields({ fields }) {
  if (!fields || fields.length === 0) return null;
  return html`<ul class="fields">${fields.map((f, i) => html`<li key=${i}><code>${f.field}</code>:
    <span class="before">${show(f.before, f.field)}</span> → <span class="after">${show(f.after, f.field)}</span></li>`)}</ul>`;
}

export function Changes({ cycleId }) {
  const [cycles, setCycles] = useState(null);
  const [cycle, setCycle] = useState(cycleId || '');
  const [from, setFrom] = useState(toLocalInput(new Date(Date.now() - 7 * 86400e3)));
  // Until edited, "to" is the moment the changes are asked for, to the
  // microsecond (the field shows minutes only).
  const [to, setTo] = useState(null);
  const [diff, setDiff] = useState(null);
  const [problem, setProblem] = useState(null);
  const [titles, setTitles] = useState(new Map());
  // Titles for the ids the diff names, from the cycle's tree as it is now.
  useEffect(() => {
    if (!cycle) return;
    api('GET', `/v1/cycles/${q(cycle)}/tree`).then((t) => {
      const m = new Map();
      const walk = (n) => {
        m.set(n.id, n.title);
        for (const k of n.key_results || []) m.set(k.id, k.title);
        (n.children || []).forEach(walk);
      };
      (t.objectives || []).forEach(walk);
      setTitles(m);
    }, () => {});
  }, [cycle]);
  const name = (id) => (titles.has(id) ? `${titles.get(id)} (${id})` : id);
  useEffect(() => {
    api('GET', '/v1/cycles').then((r) => {
      const list = r.cycles || [];
      setCycles(list);
      if (!cycle && list.length) setCycle((list.find((c) => c.state === 'active') || list[0]).id);
    }, setProblem);
  }, []);
  async function show(e) {
    if (e) e.preventDefault();
    try {
      setDiff(await api('GET', `/v1/cycles/${q(cycle)}/changes?from=${q(toInstant(from))}&to=${q(to ? toInstant(to) : new Date().toISOString())}`));
      setProblem(null);
    } catch (p) { setProblem(p); }
  }
  useEffect(() => { if (cycle) show(); }, [cycle]);
  const objectives = diff ? diff.objectives || [] : [];
  return html`<h1>What changed</h1>
    <form class="toolbar" onSubmit=${show} aria-label="Window" novalidate>
      <label for="ch-cycle">Cycle</label>
      <select id="ch-cycle" value=${cycle} onChange=${(e) => setCycle(e.target.value)}>
        ${(cycles || []).map((c) => html`<option value=${c.id}>${c.name}</option>`)}
      </select>
      <label for="ch-from">From</label>
      <input id="ch-from" type="datetime-local" value=${from} onInput=${(e) => setFrom(e.target.value)} />
      <label for="ch-to">To</label>
      <input id="ch-to" type="datetime-local" value=${to || toLocalInput(new Date())} onInput=${(e) => setTo(e.target.value)} />
      <button type="submit">Show changes</button>
    </form>
    ${problem && html`<p class="error" role="alert">${problem.message}</p>`}
    ${diff && html`<p class="muted">From ${diff.from} to ${diff.to}: ${objectives.length} objectives changed.</p>
      <ul class="diff">${objectives.map((o) => html`<li key=${o.id} class=${'change ' + o.change}>
        <p><span class=${'badge ' + o.change}>${o.change}</span> <a href=${`#/objective/${q(o.id)}`}>${name(o.id)}</a></p>
        <${Fields} fields=${o.fields} />
        ${o.key_results && o.key_results.length > 0 && html`<ul>${o.key_results.map((k) => html`<li key=${k.id}>
          <span class=${'badge ' + k.change}>${k.change}</span> ${`key result ${name(k.id)}`}<${Fields} fields=${k.fields} /></li>`)}</ul>`}
      </li>`)}</ul>`}`;
}
