// Admin: cycles (create, start, close with a confirmation that says what
// grading will do) and the reminders due, issued on demand.
import { html, useState, useEffect, api, q, FieldError, FormError } from './lib.mjs';

function NewCycle({ onDone }) {
  const [problem, setProblem] = useState(null);
  async function submit(e) {
    e.preventDefault();
    const f = new FormData(e.target);
    const body = { name: f.get('name'), starts_on: f.get('starts_on'), ends_on: f.get('ends_on') };
    if (f.get('id')) body.id = f.get('id');
    try { await api('POST', '/v1/cycles', body); setProblem(null); e.target.reset(); onDone(); } catch (p) { setProblem(p); }
  }
  const field = (name, label, type) => html`<div class="field"><label for=${'nc-' + name}>${label}</label>
    <input id=${'nc-' + name} name=${name} type=${type} />
    <${FieldError} problem=${problem} field=${name} id=${'nc-' + name + '-error'} /></div>`;
  return html`<form class="checkin write" onSubmit=${submit} aria-label="New cycle" novalidate>
    ${field('id', 'Id (optional)', 'text')}${field('name', 'Name', 'text')}
    ${field('starts_on', 'Starts on', 'date')}${field('ends_on', 'Ends on', 'date')}
    <button type="submit">Create cycle</button>
    <${FormError} problem=${problem} fields=${['id', 'name', 'starts_on', 'ends_on']} />
  </form>`;
}

function CycleRow({ c, onDone }) {
  const [confirm, setConfirm] = useState(false);
  const [problem, setProblem] = useState(null);
  async function act(what) {
    try { await api('POST', `/v1/cycles/${q(c.id)}/${what}`, {}); setProblem(null); setConfirm(false); onDone(); } catch (p) { setProblem(p); }
  }
  return html`<li key=${c.id}><strong>${c.name}</strong> (${c.id}) ${c.starts_on} to ${c.ends_on}, <em>${c.state}</em>,
    ${c.objectives} objectives
    ${c.state === 'planning' && html` <button type="button" class="write" onClick=${() => act('start')} aria-label=${'Start ' + c.name}>Start</button>`}
    ${c.state === 'active' && !confirm && html` <button type="button" class="write" onClick=${() => setConfirm(true)} aria-label=${'Close ' + c.name}>Close…</button>`}
    ${confirm && html`<div class="confirm" role="alertdialog" aria-labelledby=${'cc-' + c.id}>
      <p id=${'cc-' + c.id}>Closing ${c.name} grades every key result of its active and achieved objectives from
        the check-ins recorded before the close (hand grades stay), scores each objective as the weighted mean,
        and then the cycle takes no more changes. This cannot be undone.</p>
      <button type="button" onClick=${() => act('close')}>Close and grade</button>
      <button type="button" onClick=${() => setConfirm(false)}>Cancel</button></div>`}
    ${problem && html`<p class="error" role="alert">${problem.message}</p>`}
  </li>`;
}

export function Admin({ me }) {
  const [cycles, setCycles] = useState(null);
  const [due, setDue] = useState(null);
  const [ran, setRan] = useState('');
  const [error, setError] = useState(null);
  const load = async () => {
    try {
      setCycles((await api('GET', '/v1/cycles')).cycles || []);
      setDue((await api('GET', '/v1/reminders')).reminders || []);
    } catch (p) { setError(p); }
  };
  useEffect(() => { load(); }, []);
  async function run() {
    try {
      const r = await api('POST', '/v1/reminders/run', {});
      setRan(`Issued ${(r.reminders || []).length} reminders.`);
      load();
    } catch (p) { setError(p); }
  }
  if (me.role !== 'admin') return html`<p>Only admins manage cycles.</p>`;
  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (!cycles) return html`<p class="loading">Loading…</p>`;
  return html`<h1>Admin</h1>
    <section aria-labelledby="cy-h"><h2 id="cy-h">Cycles</h2>
      <ul>${cycles.map((c) => html`<${CycleRow} key=${c.id} c=${c} onDone=${load} />`)}</ul>
      <${NewCycle} onDone=${load} />
    </section>
    <section aria-labelledby="due-h"><h2 id="due-h">Reminders due</h2>
      <button type="button" class="write" onClick=${run}>Issue reminders now</button> <span role="status">${ran}</span>
      ${due && (due.length === 0 ? html`<p>Nothing is due.</p>` : html`<ul>${due.slice(0, 200).map((r) => html`<li key=${r.key}>
        <strong>${r.recipient}</strong>: ${r.message} <span class="muted">${r.issued ? '(issued)' : '(not issued yet)'}</span></li>`)}</ul>`)}
      ${due && due.length > 200 && html`<p class="muted">and ${due.length - 200} more.</p>`}
    </section>`;
}
