// Node test runner tests of the generated client under faults, against
// the servers of TestTypeScriptClientUnderFaults: SERVER_URL (controlled
// through CONTROL_URL), OTHER_URL (a second server) and DEAD_URL (nothing
// listens there), with Node's built-in WebSocket or the "ws" package's
// (DUPLEX_WEBSOCKET=builtin|ws).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket as WsWebSocket } from 'ws';
import { Client as ChatClient, CloseError, HTTPError } from './gen/ts/chat.ts';
import type { ClientOptions, ConnectionState, WebSocketConstructor } from './gen/ts/chat.ts';

const WS = process.env.DUPLEX_WEBSOCKET === 'ws' ? (WsWebSocket as unknown as WebSocketConstructor) : (globalThis.WebSocket as WebSocketConstructor);

function env(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === '') throw new Error(`${name} is not set`);
  return v;
}
// subscribe is resumable and can fall back to Server-Sent Events in the
// chat design; these tests are about the plain WebSocket path.
const plainWS = { noResume: true, noEventStream: true };

const server = env('SERVER_URL');
const control = env('CONTROL_URL');
const other = env('OTHER_URL');
const dead = env('DEAD_URL');

// Client is the generated client with the WebSocket under test.
class Client extends ChatClient {
  constructor(url: string | string[], opts: ClientOptions = {}) {
    super(url, { WebSocket: WS, ...opts });
  }
}

async function post(path: string): Promise<void> {
  const res = await fetch(control + path, { method: 'POST' });
  assert.equal(res.status, 200, `${path}: ${await res.text()}`);
}

async function login(): Promise<string> {
  return new Client(server).login({ user: 'alice', password: 'secret' });
}

// states records a stream's states with the time they were entered.
function recorder(): { states: ConnectionState[]; times: number[]; causes: (CloseError | HTTPError | undefined)[]; onState: (s: ConnectionState, cause?: CloseError | HTTPError) => void } {
  const r = {
    states: [] as ConnectionState[],
    times: [] as number[],
    causes: [] as (CloseError | HTTPError | undefined)[],
    onState: (s: ConnectionState, cause?: CloseError | HTTPError) => {
      r.states.push(s);
      r.times.push(performance.now());
      r.causes.push(cause);
    },
  };
  return r;
}

test('server restart: the stream reconnects once the server is back', { timeout: 30_000 }, async () => {
  const token = await login();
  const rec = recorder();
  const s = new Client(server, { retry: { initial: 20, max: 100 } }).subscribe({ token }, { onState: rec.onState, ...plainWS });
  try {
    const it = s[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.action, 'subscribed');
    await post('/down'); // 1001 to the stream, then connections are refused
    // Let the stream fail to connect a few times while the server is away:
    // each failure must count as 1006 and lead to another attempt.
    await new Promise((resolve) => setTimeout(resolve, 600));
    assert.equal(s.state, 'reconnecting');
    await post('/up');
    assert.equal((await it.next()).value?.action, 'subscribed');
    assert.deepEqual(rec.states, ['open', 'reconnecting', 'open']);
    const cause = rec.causes[1];
    assert.ok(cause instanceof CloseError && cause.code === 1001, String(cause));
  } finally {
    s.close();
  }
});

test('503 with Retry-After: the next attempt waits as long as the server asked', { timeout: 30_000 }, async () => {
  const token = await login();
  await post('/refuse?status=503&retry-after=1&n=1');
  const rec = recorder();
  const s = new Client(server, { retry: { initial: 10, max: 10 } }).subscribe({ token }, { onState: rec.onState, ...plainWS });
  try {
    const it = s[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.action, 'subscribed');
    assert.deepEqual(rec.states, ['reconnecting', 'open']);
    const cause = rec.causes[0];
    assert.ok(cause instanceof HTTPError && cause.status === 503 && cause.retryAfter === 1000, String(cause));
    const waited = (rec.times[1] ?? 0) - (rec.times[0] ?? 0);
    assert.ok(waited >= 950, `reconnected ${waited.toFixed(0)} ms after a 503 asking for 1 s`);
  } finally {
    s.close();
  }
});

test('a refused upgrade without Retry-After is not retried: 403 ends the stream', { timeout: 30_000 }, async () => {
  const token = await login();
  await post('/refuse?status=403&n=1');
  const s = new Client(server, { retry: { initial: 10, max: 10 } }).subscribe({ token }, plainWS);
  await assert.rejects(async () => {
    for await (const _ of s) assert.fail('no event expected');
  }, (e: unknown) => e instanceof HTTPError && e.status === 403);
});

test('backoff: a stream failing right after each upgrade keeps backing off', { timeout: 30_000 }, async () => {
  const token = await login();
  await post('/flaky?mode=fail'); // every subscribe upgrade is closed with 1011 at once
  const random = Math.random;
  Math.random = () => 1; // every delay is its ceiling: 100 ms, then 1 s
  const rec = recorder();
  const s = new Client(server, { retry: { initial: 100, multiplier: 10, max: 60_000 } }).subscribe({ token }, { onState: rec.onState, ...plainWS });
  try {
    const opened = () => rec.times.filter((_, i) => rec.states[i] === 'open');
    while (opened().length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
    const [t1 = 0, t2 = 0, t3 = 0] = opened();
    assert.ok(t2 - t1 >= 90, `second upgrade ${(t2 - t1).toFixed(0)} ms after the first`);
    assert.ok(t3 - t2 >= 900, `third upgrade only ${(t3 - t2).toFixed(0)} ms after the second: the backoff restarted after an upgrade`);
    const cause = rec.causes[rec.states.indexOf('reconnecting')];
    assert.ok(cause instanceof CloseError && cause.code === 1011, String(cause));
  } finally {
    Math.random = random;
    s.close();
    await post('/flaky?mode=');
  }
});

test('backoff: a connection that lived restarts the delays from the first', { timeout: 30_000 }, async () => {
  const token = await login();
  await post('/flaky?mode=fail');
  const random = Math.random;
  Math.random = () => 1; // every delay is its ceiling: 100 ms, 1 s, then 10 s
  const rec = recorder();
  const s = new Client(server, { retry: { initial: 100, multiplier: 10, max: 20_000, resetAfter: 300 } }).subscribe({ token }, { onState: rec.onState, ...plainWS });
  try {
    const opened = () => rec.times.filter((_, i) => rec.states[i] === 'open');
    while (opened().length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    await post('/flaky?mode=hold'); // the third connection stays open until kicked
    while (opened().length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    await new Promise((resolve) => setTimeout(resolve, 400)); // it lives past resetAfter
    const kicked = performance.now();
    await post('/kick'); // 1011 after 400 ms of life
    while (opened().length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    const [, , , t4 = 0] = opened();
    assert.ok(t4 - kicked < 5_000, `reconnected ${(t4 - kicked).toFixed(0)} ms after a connection that lived: the delays did not restart`);
  } finally {
    Math.random = random;
    s.close();
    await post('/flaky?mode=');
    await post('/kick');
  }
});

test('several servers: a stream and an idempotent call move to the next when one is down', { timeout: 30_000 }, async () => {
  const token = await login();
  const c = new Client([dead, other], { retry: { initial: 10, max: 50 } });
  // GET history is idempotent: tried on the next server.
  assert.deepEqual(await c.history({ token, room: 'failover' }), []);
  const s = c.subscribe({ token }, plainWS);
  try {
    const it = s[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.action, 'subscribed');
  } finally {
    s.close();
  }
  // A stream open on the first server moves to the second when the first goes away.
  const both = new Client([server, other], { retry: { initial: 10, max: 50 } });
  const rec = recorder();
  const t = both.subscribe({ token }, { onState: rec.onState, ...plainWS });
  try {
    const it = t[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.action, 'subscribed');
    await post('/down');
    assert.equal((await it.next()).value?.action, 'subscribed'); // from the other server
    assert.equal(rec.states.at(-1), 'open');
  } finally {
    t.close();
    await post('/up');
  }
  // Before ever opening, a stream whose servers are all down ends with 1006.
  const none = new Client([dead, dead]).subscribe({ token }, plainWS);
  await assert.rejects(async () => {
    for await (const _ of none) assert.fail('no event expected');
  }, (e: unknown) => e instanceof CloseError && e.code === 1006);
});
