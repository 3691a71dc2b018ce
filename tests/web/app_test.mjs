// The web app end to end: Debian's Chromium, driven by playwright-core,
// against a real `okr serve` on the demo organisation, on 127.0.0.1.
// Every check that something changed (or did not) reads the log itself
// through /v1/events with a bearer token, not the page.
//
//   OKR_BIN=build/release/adapters/okr node --test tests/web/app_test.mjs
//
// Screenshots of each page go to OKR_SCREENSHOTS (default: a folder in the
// test's temporary directory, printed at the end).
//
// Every answer of the server, to call() and to the browser's pages alike,
// must match docs/openapi.yaml (tests/web/openapi_check.mjs): the JSON form
// of it in OKR_OPENAPI_JSON (default: made here with
// tests/support/openapi_json.py); the last test lists what did not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, mkdirSync, chmodSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { loadContract } from './openapi_check.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const BIN = process.env.OKR_BIN;
const BROWSER = process.env.OKR_CHROMIUM || '/usr/bin/chromium';
const WAIT = 30_000;  // generous: CI machines are busy

const dir = mkdtempSync(join(tmpdir(), 'okr-web-'));
const shots = process.env.OKR_SCREENSHOTS || join(dir, 'screenshots');
const tokens = { admin: 'web-admin-token-0123456789', member: '', other: 'web-other-token-0123456789' };
let server, base, browser, member, memberKr, cycleId;

const root = fileURLToPath(new URL('../..', import.meta.url));
let openapi = process.env.OKR_OPENAPI_JSON;
if (!openapi) {
  openapi = join(dir, 'openapi.json');
  execFileSync('python3', [join(root, 'tests/support/openapi_json.py'), join(root, 'docs/openapi.yaml'), openapi]);
}
const contract = loadContract(openapi);
const violations = [];  // of the contract, by any answer; the last test shows them
const checking = new Set();  // the browser's answers whose body is still being read
let checked = 0;

function conform(answer, from = '') {
  checked += 1;
  violations.push(...contract.check(answer).map((v) => from + v));
}

// A browser context whose every answer from the server is checked against
// the contract, its body read before the context closes. Redirects have no
// body; of the event stream (endless) and of a body the browser no longer
// has, the status and content type only.
async function newContext(options) {
  const context = await browser.newContext(options);
  context.on('response', (r) => {
    if (!r.url().startsWith(base + '/') || (r.status() >= 300 && r.status() < 400)) return;
    const answer = { method: r.request().method(), url: r.url(), status: r.status(), contentType: r.headers()['content-type'] };
    const stream = new URL(r.url()).pathname.endsWith('/v1/events/stream');
    const done = (stream ? Promise.resolve(undefined) : r.body().catch(() => undefined))
      .then((body) => conform({ ...answer, body }, 'browser: '))
      .finally(() => checking.delete(done));
    checking.add(done);
  });
  const close = context.close.bind(context);
  context.close = async (...args) => { await Promise.all(checking); return close(...args); };
  return context;
}

async function call(method, path, { token = tokens.admin, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  if (body !== undefined) h['Content-Type'] = 'application/json';
  const res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  conform({ method, url: path, status: res.status, contentType: res.headers.get('content-type'), body: text });
  let json = null;
  try { json = JSON.parse(text); } catch { json = null; }
  return { status: res.status, json, text, headers: res.headers };
}

async function head() { return (await call('GET', '/healthz')).json.last_position; }

async function eventsAfter(position) {
  return (await call('GET', `/v1/events?after=${position}&limit=1000`)).json.events;
}

// A process of `bin` started with `args`, once it says it listens on a
// port of 127.0.0.1 (in `pattern`, on stdout or stderr): it and the port.
function startListening(bin, args, pattern = /listening on http:\/\/127\.0\.0\.1:(\d+)/) {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const read = (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) resolve({ process: p, port: Number(m[1]) });
    };
    p.stdout.on('data', read);
    p.stderr.on('data', (d) => { process.stderr.write(d); read(d); });
    p.on('exit', (code) => reject(new Error(`${bin} ${args[0]} exited ${code}: ${out}`)));
  });
}

function startServer(extra = []) {
  return startListening(BIN, ['serve', '--data', join(dir, 'data'), '--listen', '127.0.0.1:0',
    '--tokens', join(dir, 'tokens'), '--reminder-interval', '0', ...extra]);
}

// Polls `fn` until it returns true (WAIT at most).
async function until(fn) {
  for (const end = Date.now() + WAIT; Date.now() < end;) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function axe(page, name) {
  await page.evaluate(AXE);
  const result = await page.evaluate(() => globalThis.axe.run(document, { resultTypes: ['violations'] }));
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`), [],
    `axe-core on ${name}`);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

// A signed-in page; every request it makes stays on the server, and no
// Content-Security-Policy violation or script error happens on it.
async function signedIn(token, at = '/') {
  const context = await newContext({ viewport: { width: 1280, height: 860 } });
  const page = await context.newPage();
  page.problems = [];
  page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) page.problems.push(`outside: ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) page.problems.push(m.text()); });
  page.on('pageerror', (e) => page.problems.push(String(e)));
  await page.goto(base + at);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'My week' }).waitFor({ timeout: WAIT });
  return { context, page };
}

before(async () => {
  mkdirSync(shots, { recursive: true });
  execFileSync(BIN, ['demo', '--data', join(dir, 'data')], { stdio: 'ignore' });
  // The member: a person of the demo who owns key results in the active cycle.
  writeFileSync(join(dir, 'tokens'), `${tokens.admin} admin admin\n`);
  chmodSync(join(dir, 'tokens'), 0o600);
  let s = await startServer();
  base = `http://127.0.0.1:${s.port}`;
  const cycles = (await call('GET', '/v1/cycles')).json.cycles;
  cycleId = cycles.find((c) => c.state === 'active').id;
  const objectives = (await call('GET', `/v1/objectives?cycle=${cycleId}&state=active`)).json.objectives;
  const mine = objectives.find((o) => o.level === 'individual' && o.key_results.some((k) => k.state === 'active'));
  member = mine.owner;
  memberKr = mine.key_results.find((k) => k.state === 'active');
  s.process.kill('SIGTERM');
  await new Promise((r) => s.process.on('exit', r));
  tokens.member = 'web-member-token-0123456789';
  writeFileSync(join(dir, 'tokens'),
    `${tokens.admin} admin admin\n${tokens.member} ${member} member\n${tokens.other} someone-else member\n`);
  s = await startServer();
  server = s.process;
  base = `http://127.0.0.1:${s.port}`;
  browser = await chromium.launch({ executablePath: BROWSER, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
});

after(async () => {
  if (browser) await browser.close();
  if (server) server.kill('SIGTERM');
  console.log(`screenshots in ${shots}`);
  if (!process.env.OKR_SCREENSHOTS) rmSync(dir, { recursive: true, force: true });
});

test('the page and its files are public, under a strict policy; the API is not', async () => {
  const page = await call('GET', '/', { token: null });
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /text\/html/);
  const csp = page.headers.get('content-security-policy');
  assert.match(csp, /default-src 'self'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)[^>]*>/, 'no inline script');
  assert.equal((await call('GET', '/app/main.mjs', { token: null })).status, 200);
  assert.equal((await call('GET', '/app/nothing.js', { token: null })).status, 404);
  assert.equal((await call('GET', '/v1/cycles', { token: null })).status, 401);
});

test('sign in: an HttpOnly, SameSite=Strict session cookie that the API takes like a token', async () => {
  const { context, page } = await signedIn(tokens.member);
  const [cookie] = await context.cookies(base);
  assert.equal(cookie.name, 'okr_session');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.equal(cookie.secure, false);  // no https --public-url
  assert.notEqual(cookie.expires, -1, 'a persistent cookie (Max-Age; its value is checked in-process)');
  const me = await call('GET', '/v1/session', { token: null, headers: { Cookie: `okr_session=${cookie.value}` } });
  assert.equal(me.status, 200);
  assert.equal(me.json.actor, member);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a wrong token is refused beside the Token field and no cookie is set', async () => {
  const context = await newContext();
  const page = await context.newPage();
  await page.goto(base + '/');
  await page.getByLabel('Token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText('unknown token').waitFor({ timeout: WAIT });
  assert.deepEqual(await context.cookies(base), []);
  await axe(page, 'sign-in');
  await shot(page, 'sign-in');
  await context.close();
});

test('My week: a check-in updates the row in place and lands in the log; a second browser sees it live in the tree', async () => {
  const a = await signedIn(tokens.member);
  const b = await signedIn(tokens.admin);
  const form = a.page.getByRole('form', { name: `Check in: ${memberKr.title}` });
  await form.waitFor({ timeout: WAIT });
  const kr = (await call('GET', `/v1/key-results/${memberKr.id}`)).json;
  // Pre-filled from last time.
  assert.equal(Number(await form.getByLabel('Value').inputValue()), kr.current ?? kr.start);
  if (kr.confidence !== null) assert.equal(Number(await form.getByLabel('Confidence').inputValue()), kr.confidence);
  await axe(a.page, 'my week');
  await shot(a.page, 'my-week');

  // The second browser watches the tree, filtered to the member.
  await b.page.getByRole('link', { name: 'Tree' }).click();
  await b.page.getByLabel('Owner').fill(member);
  await b.page.getByRole('button', { name: 'Expand all' }).click();
  const inTree = b.page.locator(`li.kr[data-kr="${memberKr.id}"] .current`);
  await inTree.waitFor({ timeout: WAIT });
  await b.page.locator('.live').waitFor({ state: 'attached' });

  const value = Math.round(((kr.current ?? kr.start) + 1.25) * 100) / 100;
  const before = await head();
  await form.getByLabel('Value').fill(String(value));
  await form.getByLabel('Confidence').fill('7');
  await form.getByLabel('Note').fill('from the browser');
  await form.getByRole('button', { name: 'Check in' }).click();
  const row = a.page.locator(`li.kr-row[data-kr="${memberKr.id}"] .current`);
  await a.page.waitForFunction(([sel, v]) => document.querySelector(sel)?.textContent === v,
    [`li.kr-row[data-kr="${memberKr.id}"] .current`, String(value)], { timeout: WAIT });
  assert.equal(await row.textContent(), String(value));
  const appended = await eventsAfter(before);
  assert.equal(appended.length, 1);
  assert.equal(appended[0].type, 'CheckInRecorded');
  assert.equal(appended[0].actor, member);
  assert.equal(appended[0].data.kr_id, memberKr.id);
  assert.equal(appended[0].data.value, value);
  assert.equal(appended[0].data.confidence, 7);
  assert.equal(appended[0].data.note, 'from the browser');

  // No reload in the second browser: the stream brings it.
  await b.page.waitForFunction(([sel, v]) => document.querySelector(sel)?.textContent === v,
    [`li.kr[data-kr="${memberKr.id}"] .current`, String(value)], { timeout: WAIT });
  await axe(b.page, 'tree');
  await shot(b.page, 'tree');
  assert.deepEqual(a.page.problems, []);
  assert.deepEqual(b.page.problems, []);
  await a.context.close();
  await b.context.close();
});

test('a refused check-in shows the server\'s detail beside the field and appends nothing', async () => {
  const { context, page } = await signedIn(tokens.member);
  const form = page.getByRole('form', { name: `Check in: ${memberKr.title}` });
  await form.waitFor({ timeout: WAIT });
  // What the server says about confidence 11, asked directly (refused: no event).
  const refused = await call('POST', `/v1/key-results/${memberKr.id}/check-ins`,
    { token: tokens.member, body: { value: 1, confidence: 11 } });
  assert.equal(refused.status, 422);
  assert.equal(refused.json.field, 'confidence');
  const before = await head();
  await form.getByLabel('Confidence').fill('11');
  await form.getByRole('button', { name: 'Check in' }).click();
  const message = form.locator(`#kr-${memberKr.id}-confidence-error`);
  await message.waitFor({ timeout: WAIT });
  assert.equal(await message.textContent(), refused.json.detail);
  assert.equal(await head(), before);
  await shot(page, 'refused-check-in');
  await context.close();
});

test('an objective: history, charts, and the slider shows the target before it changed', async () => {
  // A target change through the API, with its reason, for the member's key result.
  const kr = (await call('GET', `/v1/key-results/${memberKr.id}`)).json;
  const newTarget = kr.target + 7;
  const patched = await call('PATCH', `/v1/key-results/${memberKr.id}`,
    { token: tokens.member, body: { target: newTarget, reason: 'web test: stretch' } });
  assert.equal(patched.status, 200);
  const { context, page } = await signedIn(tokens.member);
  await page.goto(`${base}/#/objective/${kr.objective_id}`);
  const target = page.locator(`tr[data-kr="${memberKr.id}"] .target`);
  await target.waitFor({ timeout: WAIT });
  assert.equal(await target.textContent(), String(newTarget));
  await page.getByText('Why: web test: stretch').waitFor({ timeout: WAIT });
  await axe(page, 'objective');
  await shot(page, 'objective');
  // To the start of the objective's history: the target it was created with.
  const slider = page.getByLabel('As of');
  await slider.focus();
  await page.keyboard.press('Home');
  await page.getByRole('heading', { name: /^As of / }).waitFor({ timeout: WAIT });
  await page.waitForFunction(([sel, v]) => document.querySelector(sel)?.textContent === v,
    [`tr[data-kr="${memberKr.id}"] .target`, String(kr.original_target)], { timeout: WAIT });
  await shot(page, 'objective-as-of');
  await page.keyboard.press('End');
  await page.getByRole('heading', { name: 'Now' }).waitFor({ timeout: WAIT });
  assert.equal(await target.textContent(), String(newTarget));
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('what changed: the last 7 days show the target change with before and after', async () => {
  const { context, page } = await signedIn(tokens.member);
  await page.getByRole('link', { name: 'What changed' }).first().click();
  await page.getByRole('heading', { name: 'What changed' }).waitFor({ timeout: WAIT });
  const kr = (await call('GET', `/v1/key-results/${memberKr.id}`)).json;
  const entry = page.locator('.diff li', { hasText: `key result ${memberKr.title} (${memberKr.id})` }).first();
  await entry.waitFor({ timeout: WAIT });
  assert.match(await entry.textContent(), new RegExp(`target:\\s*${kr.original_target}\\s*→\\s*${kr.target}|target:.*→\\s*${kr.target}`));
  await axe(page, 'what changed');
  await shot(page, 'what-changed');
  await context.close();
});

test('the retrospective of the cycle and of one objective\'s subtree', async () => {
  const { context, page } = await signedIn(tokens.member);
  const whole = await call('GET', `/v1/cycles/${cycleId}/retrospective`);
  const objective = (await call('GET', `/v1/key-results/${memberKr.id}`)).json.objective_id;
  const sub = await call('GET', `/v1/cycles/${cycleId}/retrospective?objective=${objective}`);
  assert.equal(sub.status, 200);
  assert.equal(sub.json.objective, objective);
  assert.ok(sub.json.objectives.length >= 1 && sub.json.objectives.length < whole.json.objectives.length);
  assert.ok(sub.json.objectives.some((o) => o.id === objective));
  await page.goto(`${base}/#/objective/${objective}`);
  await page.getByRole('link', { name: 'retrospective of this objective and below' }).click();
  await page.getByText(`Scope: objective ${objective}`).waitFor({ timeout: WAIT });
  await axe(page, 'retrospective of a subtree');
  await shot(page, 'retrospective-subtree');
  await page.goto(`${base}/v1/cycles/${cycleId}/retrospective?format=html`);
  await page.getByRole('heading', { name: /^Retrospective:/ }).waitFor({ timeout: WAIT });
  await context.close();
});

test('KPIs and Admin render, and pass axe', async () => {
  const { context, page } = await signedIn(tokens.admin);
  await page.getByRole('link', { name: 'KPIs' }).click();
  await page.getByRole('heading', { name: 'KPIs' }).waitFor({ timeout: WAIT });
  const open = page.getByRole('button', { name: /^Open / }).first();
  if (await open.count()) {
    await open.click();
    await page.getByRole('form', { name: /^Record a measurement/ }).waitFor({ timeout: WAIT });
  }
  await axe(page, 'kpis');
  await shot(page, 'kpis');
  await page.getByRole('link', { name: 'Admin' }).click();
  await page.getByRole('heading', { name: 'Cycles' }).waitFor({ timeout: WAIT });
  await page.getByRole('button', { name: /^Close / }).first().click();
  await page.getByText('This cannot be undone').waitFor({ timeout: WAIT });
  await axe(page, 'admin');
  await shot(page, 'admin');
  await page.getByRole('button', { name: 'Cancel' }).click();
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a cross-site form posting text/plain through the cookie is refused and appends nothing', async () => {
  const { context, page } = await signedIn(tokens.member);
  // Another origin: the same host on another port (SameSite lets the cookie go).
  const evil = createServer((req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!DOCTYPE html><html><body><form method="POST" enctype="text/plain"
      action="${base}/v1/key-results/${memberKr.id}/check-ins">
      <input name='{"value":99,"note":"' value='csrf"}'></form>
      <script>document.forms[0].submit()</script></body></html>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  const before = await head();
  const answer = page.waitForResponse((r) => r.url().includes('/check-ins'), { timeout: WAIT });
  await page.goto(`http://127.0.0.1:${evil.address().port}/`);
  const res = await answer;
  assert.equal(res.status(), 403);
  assert.match(await res.text(), /cross-origin-request/);
  assert.equal(await head(), before);
  evil.close();
  await context.close();
});

test('sign out ends the session on the server: the old cookie no longer works', async () => {
  const { context, page } = await signedIn(tokens.member);
  const [cookie] = await context.cookies(base);
  const asCookie = { token: null, headers: { Cookie: `okr_session=${cookie.value}` } };
  assert.equal((await call('GET', '/v1/session', asCookie)).status, 200);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Token').waitFor({ timeout: WAIT });
  assert.equal((await call('GET', '/v1/session', asCookie)).status, 401);
  assert.equal((await call('GET', '/v1/cycles', asCookie)).status, 401);
  await context.close();
});

test('behind --public-url https://…: the cookie is Secure and only that origin may change anything', async () => {
  // The server restarted with --public-url (one store, one server at a
  // time); this runs after the browser tests.
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  const s = await startServer(['--public-url', 'https://OKR.example.com/']);
  server = s.process;
  base = `http://127.0.0.1:${s.port}`;
  const signIn = await call('POST', '/v1/session', { token: null, body: { token: tokens.member } });
  assert.equal(signIn.status, 200);
  const set = signIn.headers.get('set-cookie');
  assert.match(set, /; HttpOnly; SameSite=Strict; Secure$/);
  const cookie = set.split(';')[0];
  const checkIn = (origin) => call('POST', `/v1/key-results/${memberKr.id}/check-ins`,
    { token: null, body: { value: 1 }, headers: { Cookie: cookie, Origin: origin } });
  const before = await head();
  assert.equal((await checkIn(base)).status, 403);  // the listen address is not the app's now
  assert.equal(await head(), before);
  assert.equal((await checkIn('https://okr.example.com')).status, 201);
  assert.equal(await head(), before + 1);
});

test('a --public-url that is not an http(s) URL is refused before anything starts', () => {
  let status = 0;
  try {
    execFileSync(BIN, ['serve', '--data', join(dir, 'nothing'), '--public-url', 'ftp://okr.example.com'],
      { stdio: 'pipe' });
  } catch (e) {
    status = e.status;
    assert.match(String(e.stderr), /--public-url must be an http:\/\/ or https:\/\/ URL/);
  }
  assert.equal(status, 2);
});

test('a read replica of two organisations: the app under /orgs/<org>/ reads, hides its write controls and says why', async () => {
  // The demo published to a real nats-server; one replica process serves
  // it as organisation "demo" beside another ("globex", nothing yet).
  const nats = await startListening('/usr/sbin/nats-server',
    ['-js', '-a', '127.0.0.1', '-p', '-1', '-sd', join(dir, 'nats')],
    /Listening for client connections on 127\.0\.0\.1:(\d+)/);
  const url = `nats://127.0.0.1:${nats.port}`;
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
  const primary = await startServer(['--publish', url, '--org', 'demo']);
  server = primary.process;
  base = `http://127.0.0.1:${primary.port}`;
  const last = await head();
  assert.ok(await until(async () => (await call('GET', '/healthz')).json.publisher?.lag === 0));
  // The demo's tokens for it; globex's own file is made on the first start.
  const replica = await startListening(BIN, ['replica', '--from', url, '--org', 'demo', '--org', 'globex',
    '--data', join(dir, 'replica'), '--tokens', join(dir, 'tokens'), '--tokens', '',
    '--listen', '127.0.0.1:0']);
  const primaryBase = base;
  base = `http://127.0.0.1:${replica.port}`;
  try {
    assert.ok(await until(async () => (await call('GET', '/orgs/demo/healthz')).json.replica?.position === last));
    const tree = `/v1/cycles/${cycleId}/tree`;
    assert.equal((await call('GET', `/orgs/demo${tree}`)).text,
      (await fetch(primaryBase + tree, { headers: { Authorization: `Bearer ${tokens.admin}` } }).then((r) => r.text())));
    assert.equal((await call('GET', tree)).status, 404);  // which organisation?
    // The demo's tokens are not globex's.
    assert.equal((await call('GET', '/orgs/globex/v1/cycles')).status, 401);

    const { context, page } = await signedIn(tokens.member, '/orgs/demo/');
    await page.getByRole('note').filter({ hasText: 'Read-only replica' }).waitFor({ timeout: WAIT });
    await page.locator('body.read-only').waitFor({ state: 'attached', timeout: WAIT });
    // The member's key results are listed, with no check-in form.
    await page.getByRole('heading', { name: memberKr.title }).first().waitFor({ timeout: WAIT });
    assert.equal(await page.locator('form.write:visible, button.write:visible').count(), 0);
    assert.equal(await page.getByRole('button', { name: 'Check in' }).count(), 0);
    await axe(page, 'the replica\'s My week');
    await shot(page, 'replica-week');
    await page.goto(`${base}/orgs/demo/#/tree/${cycleId}`);
    await page.getByRole('heading', { name: 'Tree' }).waitFor({ timeout: WAIT });
    await page.locator('.status').first().waitFor({ timeout: WAIT });
    assert.deepEqual(page.problems, []);
    // The session is the organisation's own: its cookie's path says so.
    const cookies = await context.cookies();
    assert.deepEqual(cookies.map((c) => c.path), ['/orgs/demo']);
    await context.close();
    assert.equal((await call('GET', '/orgs/demo/healthz')).json.replica.position, last);
  } finally {
    base = primaryBase;
    for (const p of [replica.process, nats.process]) {
      const exited = new Promise((r) => p.on('exit', r));
      p.kill('SIGTERM');
      await exited;
    }
  }
});

test('every answer of the server, to call() and to the browser, matched docs/openapi.yaml', async () => {
  await Promise.all(checking);
  const counts = new Map();
  for (const v of violations) counts.set(v, (counts.get(v) ?? 0) + 1);
  const lines = [...counts].map(([v, n]) => (n > 1 ? `${v} (×${n})` : v));
  console.log(`contract: ${checked} answers checked`);
  for (const line of lines) console.log(`contract: ${line}`);
  assert.equal(lines.length, 0, `${violations.length} answers broke the contract:\n${lines.join('\n')}`);
});
