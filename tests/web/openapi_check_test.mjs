// tests/web/openapi_check.mjs on a tiny OpenAPI 3.1 document: each kind of
// answer that breaks the contract is caught, and conforming ones pass.
//
//   node --test tests/web/openapi_check_test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadContract } from './openapi_check.mjs';

const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
const doc = {
  openapi: '3.1.0',
  info: { title: 'tiny', version: '1' },
  paths: {
    '/': { get: { responses: { 200: { description: 'page', content: { 'text/html': {} } } } } },
    '/v1/things': {
      get: {
        responses: {
          200: {
            description: 'things',
            content: {
              'application/json': {
                schema: {
                  type: 'object', required: ['things'], additionalProperties: false,
                  properties: { things: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } },
                },
              },
              'text/csv': {},
            },
          },
          default: { $ref: '#/components/responses/Problem' },
        },
      },
    },
    '/v1/things/{id}': {
      get: {
        responses: {
          200: { description: 'one', content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } },
          404: { $ref: '#/components/responses/Problem' },
        },
      },
      delete: { responses: { 202: { description: 'going' }, 204: { description: 'gone' } } },
    },
    '/v1/things/{id}/stream': { get: { responses: { 200: { description: 'events', content: { 'text/event-stream': {} } } } } },
    '/v1/things/special': { get: { responses: { 200: { description: 'literal wins', content: { 'text/plain': {} } } } } },
  },
  components: {
    schemas: {
      Thing: {
        type: 'object', required: ['id', 'count'], additionalProperties: false,
        properties: { id: { type: 'string' }, count: { type: 'integer', minimum: 0 }, note: { type: ['string', 'null'] } },
      },
      Problem: {
        type: 'object', required: ['type', 'title', 'status'],
        properties: { type: { type: 'string' }, title: { type: 'string' }, status: { type: 'integer' }, detail: { type: 'string' } },
      },
    },
    responses: { Problem: { description: 'a problem', content: problem } },
  },
};

const dir = mkdtempSync(join(tmpdir(), 'okr-openapi-check-'));
writeFileSync(join(dir, 'openapi.json'), JSON.stringify(doc));
const contract = loadContract(join(dir, 'openapi.json'));
rmSync(dir, { recursive: true, force: true });

const json = 'application/json';
const ok = JSON.stringify({ things: [{ id: 'a', count: 1 }, { id: 'b', count: 0, note: null }] });
const notFound = JSON.stringify({ type: 'urn:okr-ledger:problem:not-found', title: 'Not found', status: 404 });
const check = (method, url, status, contentType, body) => contract.check({ method, url, status, contentType, body });
// One violation, that matches the pattern.
const one = (violations, pattern) => {
  assert.equal(violations.length, 1, violations.join('\n'));
  assert.match(violations[0], pattern);
};

test('conforming answers pass', () => {
  assert.deepEqual(check('GET', '/v1/things?limit=2', 200, 'application/json; charset=utf-8', ok), []);
  assert.deepEqual(check('GET', 'http://127.0.0.1:1/v1/things/a', 200, json, '{"id":"a","count":3}'), []);
  assert.deepEqual(check('GET', '/v1/things/zz', 404, 'application/problem+json', Buffer.from(notFound)), []);
  assert.deepEqual(check('GET', '/v1/things', 503, 'application/problem+json', notFound), [], 'default');
  assert.deepEqual(check('DELETE', '/v1/things/a', 204, undefined, ''), []);
  assert.deepEqual(check('DELETE', '/v1/things/a', 204, 'application/json', undefined), [], '204: never a body');
  assert.deepEqual(check('GET', '/v1/things', 200, 'text/csv', 'id,count\n'), [], 'listed, no schema');
  assert.deepEqual(check('GET', '/', 200, 'text/html; charset=utf-8', '<!DOCTYPE html>'), []);
  assert.deepEqual(check('GET', '/v1/things/a/stream', 200, 'text/event-stream', undefined), [], 'body not read');
  assert.deepEqual(check('GET', '/v1/things/special', 200, 'text/plain', 'x'), [], 'the literal path, not {id}');
  assert.deepEqual(check('GET', '/v1/nothing', 404, 'application/problem+json', notFound), []);
});

test('an undocumented status', () => {
  one(check('GET', '/', 500, 'text/html', 'oops'), /^status 500 not documented for GET \/$/);
  one(check('DELETE', '/v1/things/a', 200, json, '{}'), /status 200 not documented for DELETE \/v1\/things\/\{id\}/);
});

test('a content type the response does not list', () => {
  one(check('GET', '/v1/things', 200, 'text/html', '<p>'), /GET \/v1\/things → 200: content type text\/html not documented/);
  one(check('GET', '/v1/things/a', 404, json, notFound), /content type application\/json not documented/);
  one(check('DELETE', '/v1/things/a', 202, 'text/plain', 'going'), /a body \(text\/plain\) where none is documented/);
  one(check('DELETE', '/v1/things/a', 202, 'text/plain', undefined), /a body \(text\/plain\) where none/);  // not read
  one(check('GET', '/v1/things/a/stream', 200, 'text/plain', undefined), /content type text\/plain not documented/);
});

test('a body missing a required field', () => {
  one(check('GET', '/v1/things', 200, json, '{}'), /GET \/v1\/things → 200: .* must have required property 'things'/);
});

test('an extra property where additionalProperties is false', () => {
  one(check('GET', '/v1/things', 200, json, '{"things":[],"more":1}'), /\/ must NOT have additional properties \("more"\)/);
});

test('a wrong type, and a body that is not JSON', () => {
  one(check('GET', '/v1/things', 200, json, '{"things":{}}'), /\/things must be array/);
  one(check('GET', '/v1/things', 200, json, 'things'), /application\/json body is not JSON/);
});

test('a violation inside a $ref\'d component schema', () => {
  const v = check('GET', '/v1/things', 200, json, '{"things":[{"id":"a","count":-1},{"id":7,"count":1,"x":0}]}');
  one(v, /\/things\/0\/count must be >= 0/);
  assert.match(v[0], /\/things\/1\/id must be string/);
  assert.match(v[0], /\/things\/1 must NOT have additional properties \("x"\)/);
  one(check('GET', '/v1/things/a', 200, json, '{"id":"a"}'), /#\/paths\/~1v1~1things~1\{id\}\/get\/responses\/200.* must have required property 'count'/);
  one(check('GET', '/v1/things/a', 404, 'application/problem+json', '{"type":"x","title":"t"}'),
    /#\/components\/responses\/Problem\/content\/application~1problem\+json\/schema: \/ must have required property 'status'/);
});

test('a schema that cannot be used is a violation, not an exception', () => {
  const broken = structuredClone(doc);
  broken.paths['/v1/things/{id}'].get.responses[200].content['application/json'].schema = { $ref: '#/components/schemas/Gone' };
  delete broken.components.schemas.Problem;
  const file = join(mkdtempSync(join(tmpdir(), 'okr-openapi-check-')), 'openapi.json');
  writeFileSync(file, JSON.stringify(broken));
  const c = loadContract(file);
  rmSync(file);
  one(c.check({ method: 'GET', url: '/v1/things/a', status: 200, contentType: json, body: '{}' }), /cannot be used: can't resolve reference/);
  one(c.check({ method: 'GET', url: '/x', status: 404, contentType: 'application/problem+json', body: notFound }),
    /the schema at #\/components\/schemas\/Problem cannot be used: no schema there/);
});

test('an unknown path or method must be answered with a problem', () => {
  one(check('GET', '/v1/nothing', 404, 'text/plain', 'not found'), /GET \/v1\/nothing → 404 \(no such path\): content type text\/plain, not application\/problem\+json/);
  one(check('GET', '/v1/things/a/b/c', 404, 'application/problem+json', '{"title":"x"}'), /no such path.*required property 'type'/);
  one(check('POST', '/v1/things/a', 405, json, '{}'), /POST \/v1\/things\/a → 405 \(no POST in \/v1\/things\/\{id\}\)/);
  one(check('GET', '/v1/things/', 404, 'text/html', ''), /no such path/);  // {id} takes no empty segment
});
