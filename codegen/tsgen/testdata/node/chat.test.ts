// Node test runner tests of the generated TypeScript client against a real
// chatd (CHATD_URL), with Node's built-in WebSocket or the "ws" package's
// (DUPLEX_WEBSOCKET=builtin|ws). Run by TestTypeScriptClientUnderNode
// under Node 22's type stripping, after tsc has checked this file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocket as WsWebSocket } from 'ws';
import { Client as ChatClient, CloseError, HTTPError, ValidationError } from './gen/ts/chat.ts';
import type { ClientOptions, ConnectionState, WebSocketConstructor } from './gen/ts/chat.ts';

const WS = process.env.DUPLEX_WEBSOCKET === 'ws' ? (WsWebSocket as unknown as WebSocketConstructor) : (globalThis.WebSocket as WebSocketConstructor);

// Client is the generated client with the WebSocket under test.
class Client extends ChatClient {
  constructor(url: string, opts: ClientOptions = {}) {
    super(url, { WebSocket: WS, ...opts });
  }
}

// run tells this run's rooms apart from another run's against the same chatd.
const run = process.env.DUPLEX_WEBSOCKET === 'ws' ? 'ws' : 'builtin';

const base = process.env.CHATD_URL ?? '';
if (base === '') throw new Error('CHATD_URL is not set');

async function login(c: Client): Promise<string> {
  return c.login({ user: 'alice', password: 'secret' });
}

test('unary methods: login, send and history', { timeout: 20_000 }, async () => {
  const c = new Client(base);
  const token = await login(c);
  assert.ok(token.length > 20, 'login returns a JWT');
  const msg = await c.send({ token, room: `ts-unary-${run}`, text: 'hello from TypeScript' });
  assert.equal(msg.room, `ts-unary-${run}`);
  assert.equal(msg.text, 'hello from TypeScript');
  assert.equal(msg.from, 'alice');
  const history = await c.history({ token, room: `ts-unary-${run}` });
  assert.deepEqual(history.map((m) => m.text), ['hello from TypeScript']);
});

test('unary methods: a POST carries an Idempotency-Key, and a retry with the same key is stored once', { timeout: 20_000 }, async () => {
  const sent: (string | null)[] = [];
  const recording: typeof fetch = async (input, init) => {
    sent.push(new Headers(init?.headers).get('idempotency-key'));
    return fetch(input, init);
  };
  const c = new Client(base, { fetch: recording });
  const token = await login(c);
  const room = `ts-idempotent-${run}`;
  await c.send({ token, room, text: 'one' });
  await c.send({ token, room, text: 'two' });
  const [first, second] = sent.slice(-2);
  assert.match(first ?? '', /^[0-9a-f]{32}$/, 'every POST carries a key');
  assert.notEqual(first, second, 'each call has a key of its own');
  const key = { headers: { 'Idempotency-Key': `retry-${run}-${Date.now()}` } };
  const a = await c.send({ token, room, text: 'three' }, key);
  const b = await c.send({ token, room, text: 'three' }, key);
  assert.equal(b.sequence, a.sequence, 'the retry is answered with the first response');
  const history = await c.history({ token, room });
  assert.deepEqual(history.map((m) => m.text), ['one', 'two', 'three']);
});

test('client stream: listener counts the messages and returns the count', { timeout: 20_000 }, async () => {
  const c = new Client(base);
  const token = await login(c);
  const s = c.listener({ token });
  s.send({ message: 'one' });
  s.send({ message: 'two' });
  s.send({ message: 'three' });
  s.close();
  assert.equal(await s.result, 3);
});

test('server stream: subscribe yields typed events until closed', { timeout: 20_000 }, async () => {
  const c = new Client(base);
  const token = await login(c);
  const s = c.subscribe({ token });
  for await (const ev of s) {
    assert.equal(ev.action, 'subscribed');
    assert.equal(ev.message, 'subscribed as alice');
    break; // ends the stream: close 1000
  }
  assert.equal(s.state, 'closed');
});

test('server stream with a subprotocol: join receives presence and messages', { timeout: 20_000 }, async () => {
  const c = new Client(base);
  const token = await login(c);
  const s = c.join({ token, room: `ts-join-${run}` });
  const it = s[Symbol.asyncIterator]();
  const joined = await it.next();
  assert.equal(joined.value?.kind, 'joined');
  assert.equal(joined.value?.user, 'alice');
  await c.send({ token, room: `ts-join-${run}`, text: 'hi room' });
  for (;;) {
    const r = await it.next();
    assert.equal(r.done, false);
    if (r.value?.kind === 'message') {
      assert.equal(r.value.message?.text, 'hi room');
      break;
    }
  }
  s.close();
  assert.equal((await it.next()).done, true);
});

test('bidirectional stream: echo sends every message back, then ends after close', { timeout: 20_000 }, async () => {
  const c = new Client(base);
  const s = c.echo();
  const it = s[Symbol.asyncIterator]();
  for (const text of ['one', 'two', 'three']) {
    s.send({ message: text });
    const r = await it.next();
    assert.deepEqual(r, { value: { message: text }, done: false });
  }
  s.close(); // JSON null: the server ends the stream with 1000
  assert.equal((await it.next()).done, true);
});

test('validation errors are thrown before anything is sent', { timeout: 20_000 }, async () => {
  let fetches = 0;
  const c = new Client(base, {
    fetch: (input, init) => {
      fetches++;
      return fetch(input, init);
    },
  });
  const token = await login(c);
  assert.equal(fetches, 1);

  // A unary payload breaking MinLength(1): rejected without a request.
  await assert.rejects(c.send({ token, room: `ts-valid-${run}`, text: '' }), (e: unknown) => {
    assert.ok(e instanceof ValidationError);
    assert.equal(e.attribute, 'payload.text');
    return true;
  });
  assert.equal(fetches, 1, 'no request was made for the invalid payload');

  // A stream parameter breaking the room pattern: no connection is opened.
  assert.throws(() => c.join({ token, room: 'Not A Room!' }), (e: unknown) => e instanceof ValidationError && e.attribute === 'payload.room');

  // A stream message without its required attribute: send throws and the
  // server never sees it (it would close the stream with 1007), so the
  // stream keeps working.
  const s = c.echo();
  const it = s[Symbol.asyncIterator]();
  assert.throws(() => s.send({} as { message: string }), (e: unknown) => e instanceof ValidationError && e.attribute === 'message.message');
  s.send({ message: 'still open' });
  assert.deepEqual(await it.next(), { value: { message: 'still open' }, done: false });
  s.abort();
});

test('a refused upgrade ends the stream with its HTTP status, without retrying', { timeout: 20_000 }, async () => {
  const proxy = await startProxy(new URL(base));
  try {
    // 401: chatd's handler refuses the token before the upgrade.
    const c = new Client(proxy.url, { retry: { initial: 10, max: 10 } });
    const s = c.subscribe({ token: 'not-a-jwt' });
    await assert.rejects(async () => {
      for await (const _ of s) assert.fail('no event expected');
    }, (e: unknown) => e instanceof HTTPError && e.status === 401);
    assert.equal(s.state, 'closed');
    // 400: an invalid parameter, refused while decoding the request.
    const unchecked = new Client(proxy.url, { validate: false, retry: { initial: 10, max: 10 } });
    const j = unchecked.join({ token: 'not-a-jwt', room: 'Not A Room!' });
    await assert.rejects(async () => {
      for await (const _ of j) assert.fail('no event expected');
    }, (e: unknown) => e instanceof HTTPError && e.status === 400);
    const upgrades = proxy.requests.filter((l) => l.startsWith('GET '));
    assert.equal(upgrades.length, 2, `one upgrade request per stream, no retry loop:\n${upgrades.join('\n')}`);
  } finally {
    await proxy.close();
  }
});

test('where the upgrade response is hidden (browsers), a plain GET learns why the upgrade was refused', { timeout: 20_000 }, async () => {
  // A WebSocket class the client does not know: it is used as browsers'
  // WebSocket is, and the refused upgrade's status comes from the probe.
  class Opaque extends (globalThis.WebSocket as WebSocketConstructor) {}
  const c = new ChatClient(base, { WebSocket: Opaque, validate: false });
  const j = c.join({ token: 'not-a-jwt', room: 'Not A Room!' });
  await assert.rejects(async () => {
    for await (const _ of j) assert.fail('no event expected');
  }, (e: unknown) => e instanceof HTTPError && e.status === 400 && /room/.test(e.message));
  // The handler's own refusal (401 for a bad token) answers the plain GET
  // too: the server runs the handler up to its first use of the stream.
  const s = c.subscribe({ token: 'not-a-jwt' });
  await assert.rejects(async () => {
    for await (const _ of s) assert.fail('no event expected');
  }, (e: unknown) => e instanceof HTTPError && e.status === 401);
});

test('a server that is down ends a new stream with 1006', { timeout: 20_000 }, async () => {
  const closed = await startProxy(new URL(base));
  await closed.close(); // nothing listens on its port any more
  const s = new Client(closed.url).echo();
  await assert.rejects(async () => {
    for await (const _ of s) assert.fail('no message expected');
  }, (e: unknown) => e instanceof CloseError && e.code === 1006);
  assert.equal(s.state, 'closed');
});

test('abort: iteration ends and yields nothing after the abort', { timeout: 20_000 }, async () => {
  const c = new Client(base);
  const token = await c.login({ user: 'alice', password: 'secret' });
  const room = `ts-abort-${run}`;
  for (const text of ['a1', 'a2', 'a3']) await c.send({ token, room, text });
  const ac = new AbortController();
  const s = c.join({ token, room, after: 0 }, { signal: ac.signal, noResume: true });
  const seen: string[] = [];
  for await (const ev of s) {
    if (ev.kind !== 'message') continue;
    seen.push(ev.message?.text ?? '');
    // Let the rest of the backlog arrive, then abort with it buffered.
    await new Promise((resolve) => setTimeout(resolve, 200));
    ac.abort();
  }
  assert.deepEqual(seen, ['a1']);
  assert.equal(s.state, 'closed');

  // A signal aborted before the call opens nothing.
  const states: ConnectionState[] = [];
  const never = c.join({ token, room, after: 0 }, { signal: ac.signal, onState: (st) => states.push(st) });
  for await (const _ of never) assert.fail('no event expected');
  assert.equal(never.state, 'closed');
});

// startProxy forwards TCP connections to target; drop cuts every
// connection as a network failure would.
async function startProxy(target: URL): Promise<{ url: string; requests: string[]; drop: () => void; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const requests: string[] = []; // the request line of each connection
  const server = net.createServer((client) => {
    client.once('data', (chunk: Buffer) => requests.push(chunk.toString('latin1').split('\r\n')[0] ?? ''));
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    const cleanup = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', cleanup).on('close', cleanup);
    upstream.on('error', cleanup).on('close', cleanup);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    requests,
    drop: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

test('reconnect: a server stream comes back after the connection drops', { timeout: 20_000 }, async () => {
  const proxy = await startProxy(new URL(base));
  try {
    const c = new Client(proxy.url, { retry: { initial: 50, max: 500 } });
    const token = await login(c);
    const states: ConnectionState[] = [];
    const causes: number[] = [];
    // noResume: the default wire, whose new connection runs the handler
    // again (subscribe is resumable: a duplex.v1 session would continue
    // without a new greeting).
    const s = c.subscribe({ token }, {
      noResume: true,
      onState: (st, cause) => {
        states.push(st);
        if (cause instanceof CloseError) causes.push(cause.code);
      },
    });
    const it = s[Symbol.asyncIterator]();
    const first = await it.next();
    assert.equal(first.value?.action, 'subscribed');

    proxy.drop(); // the connection dies without a close frame: 1006

    // The stream reconnects by itself; chatd greets the new connection.
    const again = await it.next();
    assert.equal(again.value?.action, 'subscribed');
    assert.deepEqual(states, ['open', 'reconnecting', 'open']);
    assert.deepEqual(causes, [1006]);
    s.close();
    assert.equal((await it.next()).done, true);
  } finally {
    await proxy.close();
  }
});

test('re-subscribe: a reconnecting join asks for the messages after the last one it saw', { timeout: 20_000 }, async () => {
  const proxy = await startProxy(new URL(base));
  try {
    const direct = new Client(base);
    const token = await login(direct);
    const room = `ts-resubscribe-${run}`;
    for (const text of ['m1', 'm2', 'm3']) await direct.send({ token, room, text });

    const c = new Client(proxy.url, { retry: { initial: 50, max: 500 } });
    let last = 0;
    const s = c.join({ token, room }, { noResume: true, resubscribe: (p) => ({ ...p, after: last }) });
    const seen = new Map<number, string>();
    const it = s[Symbol.asyncIterator]();
    const readUntil = async (n: number) => {
      while (seen.size < n) {
        const r = await it.next();
        assert.equal(r.done, false);
        const m = r.value?.message;
        if (r.value?.kind === 'message' && m !== undefined) {
          seen.set(m.sequence, m.text);
          last = Math.max(last, m.sequence);
        }
      }
    };
    await readUntil(3);
    proxy.drop(); // 1006: the stream reconnects with after=3
    await direct.send({ token, room, text: 'm4' });
    await readUntil(4);
    assert.deepEqual([...seen.values()], ['m1', 'm2', 'm3', 'm4']);
    const upgrades = proxy.requests.filter((l) => l.startsWith('GET /rooms/'));
    assert.equal(upgrades.length, 2, upgrades.join('\n'));
    assert.ok(!upgrades[0]?.includes('after='), upgrades[0]);
    assert.ok(upgrades[1]?.includes('after=3'), upgrades[1]);
    s.close();
  } finally {
    await proxy.close();
  }
});
