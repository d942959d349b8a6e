// Node test runner test of the generated client's duplex.v1 support against
// the Go implementation (duplex.dev/ws/resume) served at RESUME_URL by
// TestTypeScriptClientResumesWithoutLoss.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { WebSocket as WsWebSocket } from 'ws';
import { Client } from './gen/ts/chat.ts';
import type { ConnectionState, WebSocketConstructor } from './gen/ts/chat.ts';

// DUPLEX_WEBSOCKET=ws: the "ws" package's WebSocket; else Node's built-in one.
const WS = process.env.DUPLEX_WEBSOCKET === 'ws' ? (WsWebSocket as unknown as WebSocketConstructor) : (globalThis.WebSocket as WebSocketConstructor);

const base = process.env.RESUME_URL ?? '';
if (base === '') throw new Error('RESUME_URL is not set');

async function startProxy(target: URL): Promise<{ url: string; drop: () => void; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
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

test('resumable stream: a dropped connection resumes with no message lost or repeated', { timeout: 20_000 }, async () => {
  const proxy = await startProxy(new URL(base));
  try {
    const c = new Client(proxy.url, { WebSocket: WS, retry: { initial: 50, max: 500 } });
    const states: ConnectionState[] = [];
    const s = c.join({ token: 'unused', room: 'resume' }, { onState: (st) => states.push(st) });
    const users: string[] = [];
    for await (const ev of s) {
      users.push(ev.user);
      if (users.length === 5) {
        proxy.drop(); // cut the connection without a close frame
        // Tell the server to send the rest while the client is away.
        const res: Response = await fetch(`${base}/continue`, { method: 'POST' });
        assert.equal(res.status, 204);
      }
    }
    assert.deepEqual(users, Array.from({ length: 20 }, (_, i) => String(i + 1)));
    assert.ok(states.includes('reconnecting'), `states ${states.join(',')}`);
    assert.equal(states.at(-1), 'closed');
  } finally {
    await proxy.close();
  }
});
