// Node test runner tests of the runtime pieces that need no server: the
// design's validation rules as the generated schemas carry them, the retry
// rule of docs/protocol.md 1.4 and the backoff of 1.6.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoff, defaultRetryPolicy, parseRetryAfter, retryableCode, retryableStatus, schemas, validate, ValidationError } from './gen/ts/chat.ts';

function rejects(value: unknown, schema: keyof typeof schemas, attribute: string): void {
  assert.throws(() => validate(value, schemas[schema], 'v', schemas), (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.attribute, attribute);
    return true;
  });
}

const ts = '2026-01-02T03:04:05Z';
const message = { sequence: 1, room: 'r', from: 'ann', text: 'hi', timestamp: ts };

test('valid values pass', () => {
  validate({ kind: 'message', room: 'r', user: 'ann', timestamp: ts, message }, schemas.RoomEvent, 'v', schemas);
  validate([message, message], schemas.MessageCollection, 'v', schemas);
  validate({ timestamp: ts, connections: 1, rooms: 2, room_members: { a: 1 }, top_rooms: ['a'] }, schemas.Analytics, 'v', schemas);
});

test('each rule of the design is enforced, naming the attribute', () => {
  rejects({ room: 'r', user: 'ann', timestamp: ts }, 'RoomEvent', 'v.kind'); // required
  rejects({ kind: 'shout', room: 'r', user: 'ann', timestamp: ts }, 'RoomEvent', 'v.kind'); // enum
  rejects({ kind: 'joined', room: 'r', user: 'ann', timestamp: 'yesterday' }, 'RoomEvent', 'v.timestamp'); // format
  rejects({ kind: 'message', room: 'r', user: 'ann', timestamp: ts, message: { ...message, sequence: 0 } }, 'RoomEvent', 'v.message.sequence'); // minimum, nested type
  rejects({ ...message, sequence: 1.5 }, 'Message', 'v.sequence'); // integer
  rejects({ ...message, text: 'x'.repeat(4097) }, 'Message', 'v.text'); // maxLength
  rejects({ token: 't', room: 'r', text: '' }, 'SendPayload', 'v.text'); // minLength
  rejects({ token: 't', room: 'Bad Room' }, 'JoinPayload', 'v.room'); // pattern
  rejects({ token: 't', room: 'r', limit: 501 }, 'HistoryPayload', 'v.limit'); // maximum
  rejects({ token: 't', view: 'huge' }, 'AnalyticsPayload', 'v.view'); // enum on a payload
  rejects([message, { ...message, room: 7 }], 'MessageCollection', 'v[1].room'); // array items, type
  rejects({ timestamp: ts, connections: 1, rooms: 2, room_members: { a: 'many' } }, 'Analytics', 'v.room_members["a"]'); // map values
  rejects('not an object', 'Message', 'v');
});

test('close codes: retry 1001, 1006, 1011-1014 and 4000-4499, nothing else', () => {
  for (const code of [1001, 1006, 1011, 1012, 1013, 1014, 4000, 4499]) assert.equal(retryableCode(code), true, String(code));
  for (const code of [1000, 1002, 1003, 1007, 1008, 1009, 1015, 3000, 4500, 4999]) assert.equal(retryableCode(code), false, String(code));
});

test('HTTP statuses: retry 429 and 502-504, nothing else', () => {
  for (const status of [429, 502, 503, 504]) assert.equal(retryableStatus(status), true, String(status));
  for (const status of [400, 401, 403, 404, 426, 500, 501]) assert.equal(retryableStatus(status), false, String(status));
});

test('Retry-After: seconds or an HTTP date, in milliseconds', () => {
  const now = Date.parse('Mon, 07 Dec 2026 20:00:00 GMT');
  assert.equal(parseRetryAfter('3', now), 3000);
  assert.equal(parseRetryAfter('Mon, 07 Dec 2026 20:00:05 GMT', now), 5000);
  assert.equal(parseRetryAfter('Mon, 07 Dec 2026 19:00:00 GMT', now), 0);
  assert.equal(parseRetryAfter('soon', now), undefined);
  assert.equal(parseRetryAfter(null, now), undefined);
});

test('backoff: full jitter under a ceiling that doubles up to the maximum', () => {
  const p = defaultRetryPolicy;
  for (let attempt = 0; attempt < 12; attempt++) {
    const ceiling = Math.min(p.max, p.initial * 2 ** attempt);
    let max = 0;
    for (let i = 0; i < 200; i++) {
      const d = backoff(p, attempt);
      assert.ok(d >= 0 && d <= ceiling, `attempt ${attempt}: ${d} outside [0, ${ceiling}]`);
      max = Math.max(max, d);
    }
    assert.ok(max > ceiling / 4, `attempt ${attempt}: delays do not spread over the window (max ${max} of ${ceiling})`);
  }
});
