// The app shell: sign-in, the navigation and the pages, routed by the URL's
// fragment (#/week, #/tree/CYCLE, #/objective/ID, ...), so the server serves
// one page at / and the API below /v1.
import { html, render, useState, useEffect, api, onSignedOut, FieldError, FormError } from './lib.mjs';
import { Week } from './week.mjs';
import { Tree } from './tree.mjs';
import { ObjectivePage } from './objective.mjs';
import { Changes } from './changes.mjs';
import { Kpis } from './kpis.mjs';
import { Admin } from './admin.mjs';

function useRoute() {
  const read = () => (location.hash.replace(/^#\/?/, '') || 'week').split('/').map(decodeURIComponent);
  const [route, setRoute] = useState(read());
  useEffect(() => {
    const on = () => setRoute(read());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

function SignIn({ onIn }) {
  const [problem, setProblem] = useState(null);
  const [busy, setBusy] = useState(false);
  async function submit(e) {
    e.preventDefault();
    setBusy(true);
    try {
      const token = new FormData(e.target).get('token');
      onIn(await api('POST', '/v1/session', { token }));
    } catch (p) {
      setProblem(p);
    } finally {
      setBusy(false);
    }
  }
  return html`<main class="signin">
    <h1>OKR Ledger</h1>
    <form onSubmit=${submit} aria-label="Sign in" novalidate>
      <p>Paste your token (from the server's tokens file) once; the browser then keeps a session.</p>
      <label for="token">Token</label>
      <input id="token" name="token" type="password" autocomplete="current-password"
        aria-describedby="token-error" required />
      <${FieldError} problem=${problem} field="token" id="token-error" />
      <${FormError} problem=${problem} fields=${['token']} />
      <button type="submit" disabled=${busy}>Sign in</button>
    </form>
  </main>`;
}

function Nav({ me, route, onOut, replica }) {
  const page = route[0];
  const link = (href, name, key) => html`<a href=${href} aria-current=${page === key ? 'page' : undefined}>${name}</a>`;
  async function out() {
    try { await api('DELETE', '/v1/session'); } catch { /* signed out anyway */ }
    onOut();
  }
  return html`<header>
    <nav aria-label="Main">
      <strong class="brand">OKR Ledger</strong>
      ${link('#/week', 'My week', 'week')}
      ${link('#/tree', 'Tree', 'tree')}
      ${link('#/changes', 'What changed', 'changes')}
      ${link('#/kpis', 'KPIs', 'kpis')}
      ${me.role === 'admin' && link('#/admin', 'Admin', 'admin')}
    </nav>
    ${replica && html`<span class="replica" role="note">Read-only replica: changes are made on the primary</span>`}
    <span class="me">Signed in as <strong>${me.actor}</strong> (${me.role})</span>
    <button type="button" onClick=${out}>Sign out</button>
  </header>`;
}

function App() {
  const [me, setMe] = useState(undefined);
  // A read replica (okr replica) refuses every write: its write controls
  // are hidden (the "write" class) and a note says why.
  const [replica, setReplica] = useState(false);
  const route = useRoute();
  useEffect(() => {
    if (!me) return;
    api('GET', '/healthz').then((h) => setReplica(Boolean(h && h.replica)), () => {});
  }, [me]);
  useEffect(() => { document.body.classList.toggle('read-only', replica); }, [replica]);
  useEffect(() => {
    onSignedOut(() => setMe(null));
    api('GET', '/v1/session').then(setMe, () => setMe(null));
  }, []);
  if (me === undefined) return html`<p class="loading">Loading…</p>`;
  if (me === null) return html`<${SignIn} onIn=${(m) => { setMe(m); location.hash = '#/week'; }} />`;
  const [page, arg] = route;
  let body;
  if (page === 'tree') body = html`<${Tree} me=${me} cycleId=${arg} />`;
  else if (page === 'objective') body = html`<${ObjectivePage} me=${me} id=${arg} />`;
  else if (page === 'changes') body = html`<${Changes} cycleId=${arg} />`;
  else if (page === 'kpis') body = html`<${Kpis} me=${me} />`;
  else if (page === 'admin') body = html`<${Admin} me=${me} />`;
  else body = html`<${Week} me=${me} />`;
  return html`<${Nav} me=${me} route=${route} replica=${replica} onOut=${() => setMe(null)} /><main id="main">${body}</main>`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
