// The libraries and the API client every page shares. The app is a client
// of the public JSON API only: every change goes through the same routes a
// bearer-token client uses, here signed in by the session cookie.
import { h, render } from './preact.mjs';
import { useState, useEffect, useRef, useCallback } from './hooks.mjs';
import htm from './htm.mjs';

export const html = htm.bind(h);
export { render, useState, useEffect, useRef, useCallback };

// A refusal of the API: its problem+json body.
export class Problem extends Error {
  constructor(status, body) {
    super(body && body.detail ? body.detail : `HTTP ${status}`);
    this.status = status;
    this.field = body && body.field ? body.field : null;
    this.slug = body && body.type ? String(body.type).split(':').pop() : null;
  }
}

// Where the API is: "" (the server's root), or "/orgs/<org>" when the app
// is one of several organisations' behind one replica server.
export const base = (window.location.pathname.match(/^\/orgs\/[^/]+/) || [''])[0];

// Calls the API (`path` under `base`): JSON in and out; a refusal throws a
// Problem.
export async function api(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch(base + path, init);
  if (res.status === 204) return null;
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!res.ok) {
    if (res.status === 401 && path !== '/v1/session') onSignedOut();
    throw new Problem(res.status, json);
  }
  return json;
}

let signedOut = () => {};
export function onSignedOut(fn) {
  if (fn) { signedOut = fn; return; }
  signedOut();
}

export const q = encodeURIComponent;

// "on_track" -> "on track": status always in words, colour as well.
export function words(s) { return s ? String(s).replace(/_/g, ' ') : '—'; }

export function num(x, digits = 2) {
  if (x === null || x === undefined) return '—';
  return Number.isInteger(x) ? String(x) : Number(x).toFixed(digits).replace(/\.?0+$/, '');
}

export function pct(x) { return x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`; }

export function Status({ status }) {
  return html`<span class=${'status s-' + (status || 'none')}>${words(status)}</span>`;
}

// A progress bar with the expected-progress marker; its text for screen
// readers says both.
export function Bar({ progress, expected }) {
  const p = Math.max(0, Math.min(1, progress || 0));
  const label = `progress ${pct(p)}` + (expected !== undefined && expected !== null ? `, expected ${pct(expected)}` : '');
  return html`<span class="bar" role="img" aria-label=${label} title=${label}>
    <span class="fill" style=${{ width: `${p * 100}%` }}></span>
    ${expected !== undefined && expected !== null &&
      html`<span class="marker" style=${{ left: `${Math.max(0, Math.min(1, expected)) * 100}%` }}></span>`}
  </span>`;
}

// The message beside a field: the problem's detail when it names the field.
export function FieldError({ problem, field, id }) {
  if (!problem || problem.field !== field) return null;
  return html`<span class="error" id=${id} role="alert">${problem.message}</span>`;
}

export function FormError({ problem, fields }) {
  if (!problem || (problem.field && fields.includes(problem.field))) return null;
  return html`<p class="error" role="alert">${problem.message}</p>`;
}

export function toInstant(local) {
  if (!local) return '';
  const d = new Date(local);
  return isNaN(d) ? '' : d.toISOString();
}

export function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export function shortInstant(s) { return s ? s.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''; }
