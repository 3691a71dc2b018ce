// My week: the key results I own in active cycles, each with a check-in
// form pre-filled from last time; my drafts; the reminders due for me.
import { html, useState, useEffect, api, q, num, Status, Bar, FieldError, FormError } from './lib.mjs';
import { Sparkline } from './charts.mjs';

const FIELDS = ['value', 'confidence', 'note', 'date'];

// The body of a check-in: whatever the fields hold (the server judges it).
function checkInBody(form) {
  const f = new FormData(form);
  const body = {};
  const value = f.get('value');
  if (value !== '') body.value = Number(value);
  const confidence = f.get('confidence');
  if (confidence !== '') body.confidence = Number(confidence);
  if (f.get('note')) body.note = f.get('note');
  if (f.get('date')) body.date = f.get('date');
  return body;
}

function CheckInRow({ kr, objective, cycle, onChange }) {
  const [problem, setProblem] = useState(null);
  const [saved, setSaved] = useState('');
  const [busy, setBusy] = useState(false);
  const id = `kr-${kr.id}`;
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    setSaved('');
    try {
      const r = await api('POST', `/v1/key-results/${q(kr.id)}/check-ins`, checkInBody(e.target));
      setProblem(null);
      setSaved(`Checked in ${num(r && r.value)} at position ${r && r.position}`);
      const fresh = await api('GET', `/v1/key-results/${q(kr.id)}`);
      onChange(fresh);
      e.target.querySelector('[name=note]').value = '';
    } catch (p) {
      setProblem(p);
    } finally {
      setBusy(false);
    }
  }
  const field = (name, label, input) => html`<div class="field">
      <label for=${`${id}-${name}`}>${label}</label>
      ${input}
      <${FieldError} problem=${problem} field=${name} id=${`${id}-${name}-error`} />
    </div>`;
  return html`<li class="kr-row" data-kr=${kr.id}>
    <div class="kr-head">
      <span class="objective-title">${objective.title}</span>
      <h3><a href=${`#/objective/${q(objective.id)}`}>${kr.title}</a></h3>
      <span class="kr-figures" data-testid="current">
        <span class="current">${num(kr.current)}</span> of ${num(kr.target)} ${kr.unit}
      </span>
      <${Status} status=${kr.status} />
      <span class="confidence">confidence ${kr.confidence ?? '—'}</span>
      <${Bar} progress=${kr.progress} expected=${cycle && cycle.expected} />
      <${Sparkline} kr=${kr} cycle=${cycle} />
    </div>
    <form class="checkin write" onSubmit=${submit} aria-label=${`Check in: ${kr.title}`} novalidate>
      ${field('value', 'Value', html`<input id=${`${id}-value`} name="value" type="number" step="any"
        value=${kr.current ?? kr.start} aria-describedby=${`${id}-value-error`} />`)}
      ${field('confidence', 'Confidence', html`<input id=${`${id}-confidence`} name="confidence" type="number"
        min="0" max="10" step="1" value=${kr.confidence ?? ''} aria-describedby=${`${id}-confidence-error`} />`)}
      ${field('note', 'Note', html`<input id=${`${id}-note`} name="note" type="text" maxlength="2000"
        aria-describedby=${`${id}-note-error`} />`)}
      ${field('date', 'Date', html`<input id=${`${id}-date`} name="date" type="date"
        aria-describedby=${`${id}-date-error`} />`)}
      <button type="submit" disabled=${busy}>Check in</button>
      <${FormError} problem=${problem} fields=${FIELDS} />
      <span class="saved" role="status">${saved}</span>
    </form>
  </li>`;
}

export function Week({ me }) {
  const [data, setData] = useState(null);
  const [error, setError] = useState(null);
  async function load() {
    try {
      // The independent reads at once; then each key result's series.
      const [cyclesBody, mineBody, remindersBody] = await Promise.all([
        api('GET', '/v1/cycles'), api('GET', `/v1/objectives?owner=${q(me.actor)}`),
        api('GET', `/v1/reminders?recipient=${q(me.actor)}`)]);
      const active = new Map((cyclesBody.cycles || []).filter((c) => c.state === 'active').map((c) => [c.id, c]));
      const mine = mineBody.objectives || [];
      const wanted = [];
      for (const o of mine) {
        if (o.state !== 'active' || !active.has(o.cycle_id)) continue;
        for (const k of o.key_results) if (k.state === 'active') wanted.push({ objective: o, cycle: active.get(o.cycle_id), id: k.id });
      }
      const krs = await Promise.all(wanted.map((w) => api('GET', `/v1/key-results/${q(w.id)}`)));
      const rows = wanted.map((w, i) => ({ objective: w.objective, cycle: w.cycle, kr: krs[i] }));
      const drafts = mine.filter((o) => o.state === 'draft');
      setData({ rows, drafts, reminders: remindersBody.reminders || [] });
    } catch (p) {
      setError(p);
    }
  }
  useEffect(() => { load(); }, [me.actor]);
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (!data) return html`<p class="loading">Loading your week…</p>`;
  const update = (i) => (kr) => {
    const rows = data.rows.slice();
    rows[i] = { ...rows[i], kr };
    setData({ ...data, rows });
  };
  async function activate(o) {
    try { await api('POST', `/v1/objectives/${q(o.id)}/activate`, {}); load(); } catch (p) { setError(p); }
  }
  return html`<h1>My week</h1>
    <section aria-labelledby="krs-h">
      <h2 id="krs-h">My key results</h2>
      ${data.rows.length === 0 ? html`<p>You own no key results in an active cycle.</p>`
        : html`<ul class="kr-list">${data.rows.map((r, i) => html`<${CheckInRow} key=${r.kr.id}
            kr=${r.kr} objective=${r.objective} cycle=${r.cycle} onChange=${update(i)} />`)}</ul>`}
    </section>
    <section aria-labelledby="drafts-h">
      <h2 id="drafts-h">My drafts</h2>
      ${data.drafts.length === 0 ? html`<p>No draft objectives.</p>` : html`<ul>${data.drafts.map((o) => html`<li key=${o.id}>
        <a href=${`#/objective/${q(o.id)}`}>${o.title}</a> (${o.cycle_id})
        <button type="button" class="write" onClick=${() => activate(o)} aria-label=${`Activate ${o.title}`}>Activate</button></li>`)}</ul>`}
    </section>
    <section aria-labelledby="rem-h">
      <h2 id="rem-h">Reminders due for me</h2>
      ${data.reminders.length === 0 ? html`<p>Nothing is due.</p>` : html`<ul>${data.reminders.map((r) => html`<li key=${r.key}>
        ${r.message} <span class="muted">(${r.kind.replace(/_/g, ' ')}${r.issued ? ', sent' : ''})</span></li>`)}</ul>`}
    </section>`;
}
