// The web app's speed, page by page, in Debian's Chromium (playwright-core)
// against a real `okr serve`: on the demo organisation, and on a generated
// one whose active cycle has about 1,000 objectives (okr-bench org). Each
// figure is the median of RUNS loads, from navigation to the page's
// content on screen, beside the baseline measured in the same run: the
// same API calls the page makes, fetched by a bare Node client loop (what
// no page can beat), and the app's empty shell (its files, no data).
//
//   node tools/bench_web.mjs [--okr build/release/adapters/okr]
//     [--bench build/release/tools/okr-bench] [--runs 5] [--dir DIR]
//
// Prints one line per page: "<store> <page>: in the app <ms> ms (moving
// to it from another page, as people do), page load <ms> ms (a reload
// with the app's files revalidated); API alone <ms> ms, the app's shell
// <ms> ms (a reload that shows no data)"; then the tree's Expand all. A
// benchmark, not a test: nothing is asserted.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, chmodSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: args } = parseArgs({
  options: {
    okr: { type: 'string', default: 'build/release/adapters/okr' },
    bench: { type: 'string', default: 'build/release/tools/okr-bench' },
    runs: { type: 'string', default: '5' },
    dir: { type: 'string' },
  },
});
const RUNS = Number(args.runs);
const dir = args.dir || mkdtempSync(join(tmpdir(), 'okr-bench-web-'));
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function serve(data, tokens) {
  return new Promise((resolve, reject) => {
    const p = spawn(args.okr, ['serve', '--data', data, '--listen', '127.0.0.1:0', '--tokens', tokens,
      '--reminder-interval', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      if (m) resolve({ p, base: `http://127.0.0.1:${m[1]}` });
    });
    p.on('exit', (c) => reject(new Error(`okr serve exited ${c}`)));
  });
}

async function timeApi(base, token, paths) {
  const xs = [];
  for (let i = 0; i < RUNS; ++i) {
    const t = performance.now();
    for (const path of paths) {
      const r = await fetch(base + path, { headers: { Authorization: `Bearer ${token}` } });
      await r.arrayBuffer();
    }
    xs.push(performance.now() - t);
  }
  return median(xs);
}

async function timePage(page, url, ready) {
  const xs = [];
  for (let i = 0; i < RUNS; ++i) {
    await page.goto('about:blank');
    const t = performance.now();
    await page.goto(url);
    await page.locator(ready).first().waitFor({ state: 'attached', timeout: 120_000 });
    xs.push(performance.now() - t);
  }
  return median(xs);
}

// In the app, as people move: the fragment changes, no page load.
async function timeInApp(page, hash, ready) {
  const [from, fromReady] = hash === '#/kpis' ? ['#/week', 'h1:text-is("My week")'] : ['#/kpis', 'h1:text-is("KPIs")'];
  const xs = [];
  for (let i = 0; i < RUNS; ++i) {
    await page.evaluate((h) => { location.hash = h; }, from);
    await page.locator(fromReady).waitFor({ state: 'attached', timeout: 120_000 });
    const t = performance.now();
    await page.evaluate((h) => { location.hash = h; }, hash);
    await page.locator(ready).first().waitFor({ state: 'attached', timeout: 120_000 });
    xs.push(performance.now() - t);
  }
  return median(xs);
}

async function measure(name, data, admin, adminActor) {
  const tokens = join(dir, `${name}.tokens`);
  writeFileSync(tokens, `${admin} ${adminActor} admin\n`);
  chmodSync(tokens, 0o600);
  const { p, base } = await serve(data, tokens);
  const get = async (path) => (await fetch(base + path, { headers: { Authorization: `Bearer ${admin}` } })).json();
  const cycles = (await get('/v1/cycles')).cycles;
  const cycle = cycles.find((c) => c.state === 'active') || cycles[0];
  const objectives = (await get(`/v1/objectives?cycle=${cycle.id}`)).objectives;
  const someone = objectives.find((o) => o.level === 'individual' && o.state === 'active') || objectives[0];
  const member = someone.owner;
  const memberToken = 'bench-member-token-0001';
  p.kill('SIGTERM');
  await new Promise((r) => p.on('exit', r));
  writeFileSync(tokens, `${admin} ${adminActor} admin\n${memberToken} ${member} member\n`);
  const s = await serve(data, tokens);
  const browser = await chromium.launch({ executablePath: process.env.OKR_CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage'] });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(s.base + '/');
  await page.getByLabel('Token').fill(memberToken);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My week' }).waitFor();
  const mine = objectives.filter((o) => o.owner === member);
  const krPaths = mine.flatMap((o) => o.key_results.map((k) => `/v1/key-results/${k.id}`));
  const shell = await timePage(page, s.base + '/#/none', 'h1');
  const pages = [
    ['My week', '#/week', '.kr-row',
      ['/v1/cycles', `/v1/objectives?owner=${member}`, ...krPaths, `/v1/reminders?recipient=${member}`]],
    ['Tree', `#/tree/${cycle.id}`, 'ul.tree', ['/v1/cycles', '/healthz', `/v1/cycles/${cycle.id}/tree`]],
    ['Objective', `#/objective/${someone.id}`, 'table.krs-table',
      [`/v1/objectives/${someone.id}`, `/v1/objectives/${someone.id}/history`, `/v1/cycles/${cycle.id}`,
        ...someone.key_results.map((k) => `/v1/key-results/${k.id}`)]],
    ['What changed', `#/changes/${cycle.id}`, 'ul.diff',
      ['/v1/cycles', `/v1/cycles/${cycle.id}/tree`,
        `/v1/cycles/${cycle.id}/changes?from=${new Date(Date.now() - 7 * 86400e3).toISOString()}&to=${new Date().toISOString()}`]],
    ['KPIs', '#/kpis', 'h1:text-is("KPIs")', ['/v1/kpis']],
  ];
  console.log(`${name}: cycle ${cycle.id} with ${objectives.length} objectives; member ${member} owns ${mine.length}`);
  for (const [label, hash, ready, paths] of pages) {
    const ui = await timePage(page, s.base + '/' + hash, ready);
    const app = await timeInApp(page, hash, ready);
    const raw = await timeApi(s.base, admin, paths);
    console.log(`${name} ${label}: in the app ${app.toFixed(0)} ms, page load ${ui.toFixed(0)} ms; ` +
      `API alone ${raw.toFixed(0)} ms, the app's shell ${shell.toFixed(0)} ms`);
  }
  // The whole tree opened at once.
  const xs = [];
  for (let i = 0; i < RUNS; ++i) {
    await page.goto('about:blank');
    await page.goto(`${s.base}/#/tree/${cycle.id}`);
    await page.locator('ul.tree').waitFor({ timeout: 120_000 });
    const t = performance.now();
    await page.getByRole('button', { name: 'Expand all' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('li.node').length >= n, objectives.length,
      { timeout: 120_000 });
    xs.push(performance.now() - t);
  }
  console.log(`${name} Tree, Expand all of ${objectives.length} objectives: ${median(xs).toFixed(0)} ms`);
  await browser.close();
  s.p.kill('SIGTERM');
  await new Promise((r) => s.p.on('exit', r));
}

execFileSync(args.okr, ['demo', '--data', join(dir, 'demo')], { stdio: 'ignore' });
await measure('demo', join(dir, 'demo'), 'bench-admin-token-0001', 'admin');
execFileSync(args.bench, ['org', '--quarters', '1', '--departments', '10', '--teams-per-department', '10',
  '--people-per-team', '9', '--as-of-queries', '1', '--dir', dir, '--keep'], { stdio: 'ignore' });
await measure('org', join(dir, 'org'), 'bench-admin-token-0001', 'ceo');
if (!args.dir) rmSync(dir, { recursive: true, force: true });
