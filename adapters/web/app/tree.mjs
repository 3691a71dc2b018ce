// The tree of a cycle: company -> department -> team -> individual, with
// progress against the expected marker, status in words and colour,
// filters, collapse and expand; live: others' check-ins show as they land.
import { html, useState, useEffect, useRef, api, base, q, num, pct, Status, Bar, words } from './lib.mjs';
import { follow } from './live.mjs';

const STATUSES = ['on_track', 'at_risk', 'off_track', 'done', 'no_key_results'];

function flatten(nodes, out = []) {
  for (const n of nodes) { out.push(n); flatten(n.children || [], out); }
  return out;
}

// The ids to show under the filters: every match and its ancestors.
function visibleIds(roots, match) {
  const keep = new Set();
  const walk = (n) => {
    let any = match(n);
    for (const c of n.children || []) any = walk(c) || any;
    if (any) keep.add(n.id);
    return any;
  };
  roots.forEach(walk);
  return keep;
}

function Node({ node, depth, expanded, toggle, keep, filtering }) {
  // Under a filter, every match shows with the objectives above it, open.
  const kids = (node.children || []).filter((c) => !keep || keep.has(c.id));
  const open = filtering || expanded.has(node.id);
  const label = `${node.title}: ${words(node.status)}, ${pct(node.progress)}`;
  return html`<li class=${'node level-' + node.level} data-objective=${node.id} title=${label}>
    <div class="node-row">
      ${kids.length ? html`<button type="button" class="toggle" aria-expanded=${String(open)}
          aria-label=${(open ? 'Collapse ' : 'Expand ') + node.title} onClick=${() => toggle(node.id)}>${open ? '▾' : '▸'}</button>`
        : html`<span class="toggle-space"></span>`}
      <a href=${`#/objective/${q(node.id)}`}>${node.title}</a>
      <span class="level">${node.level}</span>
      <span class="owner">${node.owner}${node.team ? ' · ' + node.team : ''}</span>
      <${Bar} progress=${node.progress} expected=${node.expected} />
      <${Status} status=${node.status} />
      ${node.state !== 'active' && html`<span class="state">${node.state}</span>`}
    </div>
    ${open && html`<ul class="krs" aria-label=${'Key results of ' + node.title}>${node.key_results
      .filter((k) => k.state === 'active').map((k) => html`<li key=${k.id} class="kr" data-kr=${k.id}>
        <span class="kr-title">${k.title}</span>
        <span class="kr-figures"><span class="current">${num(k.current)}</span> of ${num(k.target)} ${k.unit}</span>
        <${Status} status=${k.status} />
      </li>`)}</ul>`}
    ${open && kids.length > 0 && html`<ul>${kids.map((c) => html`<${Node} key=${c.id} node=${c}
        depth=${depth + 1} expanded=${expanded} toggle=${toggle} keep=${keep} filtering=${filtering} />`)}</ul>`}
  </li>`;
}

export function Tree({ cycleId }) {
  const [cycles, setCycles] = useState(null);
  const [tree, setTree] = useState(null);
  const [error, setError] = useState(null);
  const [expanded, setExpanded] = useState(new Set());
  const [filters, setFilters] = useState({ owner: '', team: '', status: '' });
  const [live, setLive] = useState('');
  const timer = useRef(null);
  const chosen = cycleId || (cycles && (cycles.find((c) => c.state === 'active') || cycles[0] || {}).id);

  useEffect(() => {
    api('GET', '/v1/cycles').then((r) => setCycles(r.cycles || []), setError);
  }, []);
  async function load(id) {
    try {
      const t = await api('GET', `/v1/cycles/${q(id)}/tree`);
      for (const n of flatten(t.objectives)) n.expected = t.expected;
      setTree(t);
    } catch (p) { setError(p); }
  }
  useEffect(() => {
    if (!chosen) return undefined;
    load(chosen);
    let stop = () => {};
    let gone = false;
    follow((e) => {
      clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        load(chosen);
        setLive(`Updated live: ${e.type} by ${e.actor}`);
      }, 150);
    }).then((s) => { if (gone) s(); else stop = s; }, () => {});
    return () => { gone = true; stop(); clearTimeout(timer.current); };
  }, [chosen]);
  // The first two levels open on arrival; deeper ones on demand.
  useEffect(() => {
    if (!tree) return;
    setExpanded((prev) => (prev.size ? prev : new Set(tree.objectives.map((n) => n.id))));
  }, [tree]);

  if (error) return html`<p class="error" role="alert">${error.message}</p>`;
  if (!cycles) return html`<p class="loading">Loading cycles…</p>`;
  if (!chosen) return html`<h1>Tree</h1><p>No cycles yet.</p>`;
  const all = tree ? flatten(tree.objectives) : [];
  const owners = [...new Set(all.map((n) => n.owner))].sort();
  const teams = [...new Set(all.map((n) => n.team).filter(Boolean))].sort();
  const filtering = Boolean(filters.owner || filters.team || filters.status);
  const owner = filters.owner.trim().toLowerCase();
  const match = (n) => (!owner || n.owner.toLowerCase().includes(owner)) &&
    (!filters.team || n.team === filters.team) && (!filters.status || n.status === filters.status);
  const keep = filtering && tree ? visibleIds(tree.objectives, match) : null;
  const toggle = (id) => setExpanded((prev) => {
    const next = new Set(prev);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });
  const set = (k) => (e) => setFilters({ ...filters, [k]: e.target.value });
  const cycle = tree && tree.cycle;
  return html`<h1>Tree</h1>
    <div class="toolbar">
      <label for="tree-cycle">Cycle</label>
      <select id="tree-cycle" value=${chosen} onChange=${(e) => { location.hash = `#/tree/${q(e.target.value)}`; }}>
        ${cycles.map((c) => html`<option value=${c.id}>${c.name} (${c.state})</option>`)}
      </select>
      <label for="f-owner">Owner</label>
      <input id="f-owner" list="owners" value=${filters.owner} onInput=${set('owner')} />
      <datalist id="owners">${owners.map((o) => html`<option value=${o} />`)}</datalist>
      <label for="f-team">Team</label>
      <select id="f-team" value=${filters.team} onChange=${set('team')}>
        <option value="">any</option>${teams.map((t) => html`<option value=${t}>${t}</option>`)}
      </select>
      <label for="f-status">Status</label>
      <select id="f-status" value=${filters.status} onChange=${set('status')}>
        <option value="">any</option>${STATUSES.map((s) => html`<option value=${s}>${words(s)}</option>`)}
      </select>
      <button type="button" onClick=${() => setExpanded(new Set(all.map((n) => n.id)))}>Expand all</button>
      <button type="button" onClick=${() => setExpanded(new Set())}>Collapse all</button>
      <a href=${`${base}/v1/cycles/${q(chosen)}/retrospective?format=html`}>Retrospective</a>
      <a href=${`#/changes/${q(chosen)}`}>What changed</a>
    </div>
    ${cycle && html`<p class="muted">${`${cycle.starts_on} to ${cycle.ends_on}, ${cycle.state}; expected progress ` +
      `today ${pct(tree.expected)} (the marker on each bar). ${all.length} objectives.`}</p>`}
    <p class="live" role="status" aria-live="polite">${live}</p>
    ${!tree ? html`<p class="loading">Loading the tree…</p>`
      : html`<ul class="tree" aria-label=${'Objectives of ' + (cycle ? cycle.name : chosen)}>
        ${tree.objectives.filter((n) => !keep || keep.has(n.id)).map((n) => html`<${Node} key=${n.id} node=${n}
          depth=${0} expanded=${expanded} toggle=${toggle} keep=${keep} filtering=${filtering} />`)}
        </ul>`}`;
}
