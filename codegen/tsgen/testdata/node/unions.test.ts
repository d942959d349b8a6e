// Node test runner tests of the union (OneOf) schemas of the generated
// client of codegen/internal/gentest.Unions: the runtime's validate refuses
// what the Go server refuses, naming the attribute.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemas, validate, ValidationError } from './gen/ts/room.ts';
import type { ChatEvent, Event } from './gen/ts/room.ts';

function rejects(value: unknown, schema: keyof typeof schemas, attribute: string, message: RegExp): void {
  assert.throws(() => validate(value, schemas[schema], 'v', schemas), (e: unknown) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.attribute, attribute);
    assert.match(e.message, message);
    return true;
  });
}

test('every variant passes, and narrowing on type types value', () => {
  const events: Event[] = [
    { type: 'message', value: { text: 'hi' } },
    { type: 'join', value: { user: 'ann' } },
    { type: 'leave', value: { user: 'bob', reason: 'bye' } },
    { type: 'typing', value: true },
  ];
  for (const event of events) {
    const e: ChatEvent = { room: 'r', event };
    validate(e, schemas.ChatEvent, 'v', schemas);
  }
  const userOf = (e: Event): string | undefined => (e.type === 'join' ? e.value.user : undefined);
  assert.deepEqual(events.map(userOf), [undefined, 'ann', undefined, undefined]);
  validate({ room: 'r', content: { kind: 'text', data: 'x' }, mood: { type: 'score', value: 2 } }, schemas.PostPayload, 'v', schemas);
});

test('hostile unions are refused, naming the attribute', () => {
  rejects({ room: 'r', event: { type: 'video', value: {} } }, 'ChatEvent', 'v.event.type', /must be one of "message", "join", "leave", "typing"/);
  rejects({ room: 'r', event: { type: 'join' } }, 'ChatEvent', 'v.event.value', /is required/);
  rejects({ room: 'r', event: { type: 'join', value: null } }, 'ChatEvent', 'v.event.value', /is required/);
  rejects({ room: 'r', event: { value: { user: 'a' } } }, 'ChatEvent', 'v.event.type', /is required/);
  rejects({ room: 'r', event: {} }, 'ChatEvent', 'v.event.type', /is required/);
  rejects({ room: 'r' }, 'ChatEvent', 'v.event', /is required/);
  rejects({ room: 'r', event: 'join' }, 'ChatEvent', 'v.event', /must be an object/);
  rejects({ room: 'r', event: { type: 7, value: {} } }, 'ChatEvent', 'v.event.type', /must be one of/);
  rejects({ room: 'r', event: { type: 'toString', value: {} } }, 'ChatEvent', 'v.event.type', /must be one of/);
  rejects({ room: 'r', event: { type: 'join', value: [1] } }, 'ChatEvent', 'v.event.value', /must be an object/);
  rejects({ room: 'r', event: { type: 'join', value: { user: 'ANN' } } }, 'ChatEvent', 'v.event.value.user', /must match/);
  rejects({ room: 'r', event: { type: 'typing', value: 'yes' } }, 'ChatEvent', 'v.event.value', /must be a boolean/);
  rejects({ room: 'r', content: { kind: 'text', data: '' } }, 'PostPayload', 'v.content.data', /length must be at least 1/);
  rejects({ room: 'r', content: { type: 'text', value: 'x' } }, 'PostPayload', 'v.content.kind', /is required/);
  rejects({ room: 'r', content: { kind: 'text', data: 'x' }, mood: { type: 'score', value: -1 } }, 'PostPayload', 'v.mood.value', /at least 0/);
});
