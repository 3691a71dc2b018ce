// The contract of docs/openapi.yaml (given as JSON: tests/support/
// openapi_json.py) applied to one answer of the server: is its status
// documented for the operation, its content type listed, and its JSON body
// valid against the schema (JSON Schema 2020-12, Ajv)?
//
//   const contract = loadContract('build/release/tests/openapi.json');
//   contract.check({ method, url, status, contentType, body })  // → ['…', …]
//
// A path or method the document does not have must be answered with
// application/problem+json valid against #/components/schemas/Problem.
// `body` is a string or a Buffer; undefined checks status and content type
// only (the event stream, whose body never ends).
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const MAX_ERRORS = 8;  // of Ajv's, per violation

const escape = (s) => s.replaceAll('~', '~0').replaceAll('/', '~1');
const pointer = (parts) => '#' + parts.map((p) => '/' + escape(String(p))).join('');
const isJson = (type) => type === 'application/json' || type.endsWith('+json');
const mediaType = (type) => (type ?? '').split(';')[0].trim().toLowerCase();

export function loadContract(jsonPath) {
  const doc = JSON.parse(readFileSync(jsonPath, 'utf8'));
  // The whole document is one schema to Ajv, so that a validator taken at
  // any pointer resolves its "#/components/schemas/…" refs inside it.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(doc, 'openapi');
  // Ajv's validator of the schema at a pointer, or the reason there is none.
  const validators = new Map();
  const validator = (ptr) => {
    if (!validators.has(ptr)) {
      let v;
      try {
        v = at(ptr, false)[0] === undefined ? 'no schema there'
          : ajv.getSchema('openapi#' + ptr.slice(1).split('/').map(encodeURIComponent).join('/')) ?? 'Ajv finds none';
      } catch (e) { v = e.message; }
      validators.set(ptr, v);
    }
    return validators.get(ptr);
  };

  // The node at a pointer ("#/a/b"), following "#/…" refs: [node, its pointer].
  const at = (ptr, follow = true) => {
    let node = doc;
    for (const p of ptr === '#' ? [] : ptr.slice(2).split('/')) node = node?.[p.replaceAll('~1', '/').replaceAll('~0', '~')];
    return follow && typeof node?.$ref === 'string' && node.$ref.startsWith('#/') ? at(node.$ref) : [node, ptr];
  };

  // The path template of `paths` that the URL's path matches, the one with
  // the most literal segments when several do.
  const templates = Object.keys(doc.paths ?? {}).map((key) => {
    const segments = key.split('/').slice(1);
    return { key, segments, literal: segments.filter((s) => !/^\{[^}]+\}$/.test(s)).length };
  });
  const match = (path) => {
    const segments = path.split('/').slice(1).map((s) => { try { return decodeURIComponent(s); } catch { return s; } });
    let best = null;
    for (const t of templates) {
      if (t.segments.length !== segments.length) continue;
      const ok = t.segments.every((s, i) => (/^\{[^}]+\}$/.test(s) ? segments[i] !== '' : s === segments[i]));
      if (ok && (!best || t.literal > best.literal)) best = t;
    }
    return best?.key ?? null;
  };

  // Ajv's errors, short: "/key_results/0 must have required property 'id'".
  const explain = (errors) => {
    const lines = errors.slice(0, MAX_ERRORS).map((e) => {
      const extra = e.params?.additionalProperty ?? e.params?.allowedValues ?? e.params?.allowedValue;
      return `${e.instancePath || '/'} ${e.message}${extra === undefined ? '' : ` (${JSON.stringify(extra)})`}`.slice(0, 200);
    });
    if (errors.length > MAX_ERRORS) lines.push(`… and ${errors.length - MAX_ERRORS} more`);
    return lines.join('; ');
  };

  // The body against the schema at ptr, if it is JSON: the violations.
  const validate = (where, ptr, type, body) => {
    if (!isJson(type)) return [];
    let value;
    try { value = JSON.parse(body); } catch (e) { return [`${where}: ${type} body is not JSON (${e.message})`]; }
    const v = validator(ptr);
    if (typeof v !== 'function') return [`${where}: the schema at ${ptr} cannot be used: ${v}`];
    return v(value) ? [] : [`${where}: body does not match ${ptr}: ${explain(v.errors)}`];
  };

  function check({ method, url, status, contentType, body }) {
    method = method.toUpperCase();
    // Under /orgs/{org}: the document's second server (a replica of
    // several organisations), whose paths are the same.
    const path = new URL(url, 'http://any').pathname.replace(/^\/orgs\/[^/]+(?=\/|$)/, '') || '/';
    const type = mediaType(contentType);
    const text = Buffer.isBuffer(body) ? body.toString('utf8') : body;
    const key = match(path);
    const [item, itemPtr] = key ? at(pointer(['paths', key])) : [];
    const operation = METHODS.includes(method.toLowerCase()) ? item?.[method.toLowerCase()] : undefined;

    if (!operation) {
      const where = `${method} ${path} → ${status} (${key ? `no ${method} in ${key}` : 'no such path'})`;
      if (type !== 'application/problem+json') return [`${where}: content type ${type || 'none'}, not application/problem+json`];
      return text === undefined ? [] : validate(where, '#/components/schemas/Problem', type, text);
    }

    const responses = `${itemPtr}/${method.toLowerCase()}/responses`;
    const codes = at(responses)[0] ?? {};
    const code = [String(status), `${Math.floor(status / 100)}XX`, 'default'].find((c) => c in codes);
    if (!code) return [`status ${status} not documented for ${method} ${key}`];
    const where = `${method} ${key} → ${status}${code === String(status) ? '' : ` (${code})`}`;
    const [response, responsePtr] = at(`${responses}/${escape(code)}`);
    if (!response) return [`${where}: the response ${responsePtr} is not in the document`];
    // No content documented: no body (204 and 304 never have one; one not
    // read: no content type either).
    const none = status === 204 || status === 304 || (text === undefined ? !type : text === '');
    if (!response.content) return none ? [] : [`${where}: a body (${type || 'no content type'}) where none is documented`];

    // The media type of `content` that names it: exactly, then type/*, then */*.
    const listed = Object.keys(response.content);
    const name = listed.find((k) => mediaType(k) === type)
      ?? listed.find((k) => k === `${type.split('/')[0]}/*`) ?? listed.find((k) => k === '*/*');
    if (!name) return [`${where}: content type ${type || 'none'} not documented (${listed.join(', ')})`];
    if (text === undefined || method === 'HEAD' || !response.content[name].schema) return [];
    return validate(where, `${responsePtr}/content/${escape(name)}/schema`, type, text);
  }

  return { doc, check };
}
