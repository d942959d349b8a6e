// One stream over WebSocket: the three streaming patterns, reconnection
// with backoff across the client's servers, and the resumable duplex.v1
// protocol (docs/protocol.md 2).
import { CloseError, HTTPError, parseRetryAfter } from "./errors.js";
import { backoff } from "./retry.js";
import { dial } from "./dial.js";
const RESUME_PROTOCOL = 'duplex.v1';
/**
 * One stream over a WebSocket, reconnected as the options say. Generated
 * methods return it typed as ClientStream, ServerStream or BidiStream.
 */
export class Stream {
    transport;
    WS;
    fetcher;
    spec;
    opts;
    retry;
    ws = undefined;
    reconnect;
    current = 'connecting';
    everOpened = false;
    attempt = 0; // failed attempts since a connection last lived retry.resetAfter
    server; // index of the server the stream connects to
    failedInRow = 0; // connections that failed before opening, in a row
    finished = false;
    failure = undefined;
    userClosed = false;
    timer = undefined;
    inbox = [];
    waiters = [];
    pending = []; // messages waiting for an open connection; null ends the client's side
    resolveResult;
    rejectResult;
    gotResult = false;
    /** Resolves with the server's result of a client stream. */
    result;
    // duplex.v1 session state
    session = false; // the current connection speaks duplex.v1
    ready = false; // welcome or resumed received
    token = undefined;
    outSeq = 0;
    outBuf = [];
    inSeq = 0;
    unacked = 0;
    ackTimer = undefined;
    // Server-Sent Events fallback
    carrierNow = 'websocket';
    wsStrikes = 0; // WebSocket connections in a row that failed to open or were cut within a second
    sseAbort = undefined; // the event stream being read
    lastEventId = undefined;
    sseOpened = false; // an event stream got through: the fallback is for good
    wsToken = undefined; // the duplex.v1 token, kept while trying events
    request;
    payload;
    unlisten = undefined; // removes the abort listener of opts.signal
    constructor(transport, WS, fetcher, spec, opts, retry) {
        this.transport = transport;
        this.WS = WS;
        this.fetcher = fetcher;
        this.spec = spec;
        this.opts = opts;
        this.retry = retry;
        this.request = spec.request;
        this.payload = spec.payload;
        this.server = transport.current;
        this.reconnect = opts.reconnect ?? (spec.kind === 'server' || (spec.resumable && !opts.noResume));
        this.result = new Promise((resolve, reject) => {
            this.resolveResult = resolve;
            this.rejectResult = reject;
        });
        // A client stream's result may never be awaited (its errors surface in send too).
        this.result.catch(() => undefined);
        const signal = opts.signal;
        if (signal?.aborted) {
            this.abort();
            return;
        }
        if (signal !== undefined) {
            const onAbort = () => this.abort();
            signal.addEventListener('abort', onAbort, { once: true });
            this.unlisten = () => signal.removeEventListener('abort', onAbort);
        }
        this.connect();
    }
    /** Current connection state. */
    get state() {
        return this.current;
    }
    /** What carries the stream now: 'sse' once it fell back to Server-Sent Events. */
    get carrier() {
        return this.carrierNow;
    }
    setState(s, cause) {
        if (this.current === s)
            return;
        this.current = s;
        this.opts.onState?.(s, cause, this.carrierNow);
    }
    protocols() {
        const p = [...this.spec.subprotocols];
        if (this.spec.resumable && !this.opts.noResume)
            p.unshift(RESUME_PROTOCOL);
        return p;
    }
    connect() {
        const d = dial(this.WS, this.transport.url(this.request, this.server, true), this.protocols(), this.transport.headers(this.request), this.fetcher);
        const ws = d.ws;
        this.ws = ws;
        let openedAt;
        // ended takes the first of close and error: browsers fire error then
        // close (1006) for a failed connection, Node's built-in WebSocket fires
        // error and no close at all.
        let ended = false;
        const ended1 = (code, reason) => {
            if (ended)
                return;
            ended = true;
            if (this.ws !== ws)
                return;
            this.ws = undefined;
            if (openedAt === undefined)
                void this.failedToOpen(d, code, reason);
            else
                this.closed(new CloseError(code, reason), Date.now() - openedAt);
        };
        ws.onopen = () => {
            if (this.ws !== ws)
                return;
            if (this.finished) {
                ws.close(1000);
                return;
            }
            openedAt = Date.now();
            this.everOpened = true;
            this.failedInRow = 0;
            this.transport.worked(this.server);
            this.session = ws.protocol === RESUME_PROTOCOL;
            this.ready = !this.session;
            if (this.session) {
                // docs/protocol.md 2.2: {"hello":{}} opens a session, {"resume":{"token":T,"last":N}}
                // reattaches to it, N the highest seq received from the server.
                const first = this.token === undefined ? { hello: {} } : { resume: { token: this.token, last: this.inSeq } };
                ws.send(JSON.stringify(first));
                return;
            }
            this.setState('open');
            for (const f of this.pending.splice(0))
                ws.send(f ?? 'null');
        };
        ws.onmessage = (ev) => {
            if (this.ws !== ws)
                return;
            if (typeof ev.data !== 'string') {
                ws.close(1003, 'binary frames are not supported; send JSON text');
                return;
            }
            let msg;
            try {
                msg = JSON.parse(ev.data);
            }
            catch (e) {
                this.fail(new Error(`duplex: malformed JSON from server: ${String(e)}`), 1007);
                return;
            }
            if (this.session)
                this.envelope(ws, msg);
            else
                this.deliver(msg);
        };
        ws.onclose = (ev) => ended1(ev.code, ev.reason);
        ws.onerror = () => {
            // An error is a failed connection: 1006, whatever follows it.
            ended1(1006, '');
            if (ws.readyState !== 3) {
                try {
                    ws.close();
                }
                catch {
                    // already closing
                }
            }
        };
    }
    // failedToOpen learns why a connection failed before opening: a refused
    // upgrade ends the stream with its HTTP status unless the status says
    // "later" (429, 502-504); anything else counts as a dropped connection.
    async failedToOpen(d, code, reason) {
        const refusal = code === 1006 ? await d.refusal() : undefined;
        if (this.finished)
            return;
        this.failedInRow++;
        this.server = (this.server + 1) % this.transport.servers; // fail over
        this.closed(refusal ?? new CloseError(code, reason), undefined);
    }
    envelope(ws, msg) {
        const m = msg;
        if (m.welcome !== undefined) {
            this.token = m.welcome.token;
            this.opened(ws, 0);
            return;
        }
        if (m.resumed !== undefined) {
            // "ack": the server has consumed every client message up to it.
            this.opened(ws, m.resumed.ack ?? 0);
            return;
        }
        if (typeof m.ack === 'number')
            this.dropAcked(m.ack);
        if (typeof m.seq === 'number') {
            if (m.seq <= this.inSeq) {
                this.scheduleAck(ws, true);
                return;
            }
            if (m.seq !== this.inSeq + 1) {
                // A gap: the connection lost a frame the server still buffers
                // (docs/protocol.md 2.3). Deliver nothing, drop the connection
                // and resume, which sends the missing messages again.
                this.dropAndResume(ws, `duplex.v1: message ${m.seq} arrived after ${this.inSeq}: messages are missing: resume`);
                return;
            }
            this.inSeq = m.seq;
            if (m.end !== undefined) {
                // The server ended the stream: acknowledge it so the server can
                // close, then stop.
                this.scheduleAck(ws, true);
                const code = m.end.code ?? 1000;
                this.finish(code === 1000 ? undefined : new CloseError(code, m.end.reason ?? ''));
                this.closeSocket(1000);
                return;
            }
            this.scheduleAck(ws, false);
            this.deliver(m.data);
        }
    }
    // dropAcked forgets the sent frames the server has consumed, up to seq.
    dropAcked(seq) {
        let n = 0;
        while (n < this.outBuf.length && (this.outBuf[n]?.seq ?? Infinity) <= seq)
            n++;
        this.outBuf.splice(0, n);
    }
    // dropAndResume abandons a duplex.v1 connection that lost frames (close
    // 4000, in the retry range) and reconnects at once through the usual
    // backoff; the resume frame's "last" tells the server where to start.
    dropAndResume(ws, reason) {
        clearTimeout(this.ackTimer);
        this.ackTimer = undefined;
        if (this.unacked > 0 && ws.readyState === 1) {
            this.unacked = 0;
            ws.send(JSON.stringify({ ack: this.inSeq }));
        }
        this.ws = undefined; // its onclose is ignored from now on
        this.ready = false;
        try {
            ws.close(4000, reason.slice(0, 120));
        }
        catch {
            ws.close();
        }
        this.closed(new CloseError(4000, reason), 0);
    }
    // opened completes the duplex.v1 handshake: frames the server has not
    // received (after lastSeq) are sent again.
    opened(ws, lastSeq) {
        this.dropAcked(lastSeq);
        this.ready = true;
        this.setState('open');
        for (const f of this.pending.splice(0))
            this.outBuf.push(this.numbered(f));
        for (const o of this.outBuf)
            ws.send(o.frame);
    }
    // numbered wraps a message (null: the end of the client's side) in a
    // duplex.v1 envelope with the next sequence number.
    numbered(data) {
        const seq = ++this.outSeq;
        return { seq, frame: data === null ? `{"seq":${seq},"end":{}}` : `{"seq":${seq},"data":${data}}` };
    }
    scheduleAck(ws, now) {
        this.unacked++;
        const flush = () => {
            clearTimeout(this.ackTimer);
            this.ackTimer = undefined;
            if (this.unacked === 0 || this.ws !== ws || ws.readyState !== 1)
                return;
            this.unacked = 0;
            ws.send(JSON.stringify({ ack: this.inSeq }));
        };
        if (now || this.unacked >= 32)
            flush();
        else if (this.ackTimer === undefined)
            this.ackTimer = setTimeout(flush, 1000);
    }
    deliver(msg) {
        if (this.spec.validateIn !== undefined) {
            try {
                this.spec.validateIn(msg);
            }
            catch (e) {
                this.fail(e, 1007);
                return;
            }
        }
        const r = msg;
        if (this.spec.kind === 'client') {
            // Client stream: the one message is the result.
            this.gotResult = true;
            this.resolveResult(r);
            return;
        }
        const w = this.waiters.shift();
        if (w !== undefined)
            w.resolve({ value: r, done: false });
        else
            this.inbox.push(r);
    }
    // closed decides what follows the end of a connection: lived is how long
    // it was open (undefined: it never opened).
    closed(err, lived) {
        clearTimeout(this.ackTimer);
        this.ackTimer = undefined;
        if (this.finished)
            return;
        if ((err instanceof CloseError && err.code === 1000) || this.userClosed) {
            this.finish();
            return;
        }
        if (this.carrierNow === 'sse' && !this.sseOpened && err instanceof CloseError && err.code === 1006) {
            // Events did not get through either: the server is unreachable (down,
            // restarting), not just its WebSockets. Go on with WebSockets.
            this.carrierNow = 'websocket';
            this.token = this.wsToken;
            this.wsStrikes = 0;
        }
        else if (this.fallBack(err, lived)) {
            return;
        }
        // Only a connection that lived restarts the backoff: one that the
        // server ends right after the upgrade keeps backing off.
        if (lived !== undefined && lived >= this.retry.resetAfter)
            this.attempt = 0;
        const limit = this.retry.maxAttempts;
        // Before the stream ever opened, a failure ends it (the caller learns
        // at once that the request cannot work) unless another server is
        // still untried or the server asked to come back later.
        const mayRetry = this.everOpened || this.failedInRow < this.transport.servers || err instanceof HTTPError;
        if (this.reconnect && err.retryable && mayRetry && (limit === 0 || this.attempt < limit)) {
            this.setState('reconnecting', err);
            let delay = backoff(this.retry, this.attempt++);
            if (err instanceof HTTPError && err.retryAfter !== undefined)
                delay = Math.max(delay, err.retryAfter);
            this.timer = setTimeout(() => this.reopen(), delay);
            return;
        }
        this.finish(err);
    }
    // fallBack switches a server stream whose method can be read as
    // Server-Sent Events to them when its WebSocket failed to open before it
    // ever opened, or failed to open or was cut within a second twice in a
    // row: a proxy on the way refuses or kills WebSockets. A refusal from
    // the server itself (a design error in goa-error, such as 401 or 400)
    // or one that says "later" (429, 503) is not the WebSocket's fault:
    // events would be refused alike.
    fallBack(err, lived) {
        if (this.carrierNow !== 'websocket' || this.spec.eventStream !== true || this.opts.noEventStream || this.spec.kind !== 'server')
            return false;
        if (err instanceof HTTPError && (err.errorName !== '' || err.retryable))
            return false;
        this.wsStrikes = lived === undefined || lived < 1000 ? this.wsStrikes + 1 : 0;
        if (this.wsStrikes < 2 && (this.everOpened || lived !== undefined))
            return false;
        this.carrierNow = 'sse';
        // An event stream has sessions of its own (Last-Event-ID): the next
        // request re-subscribes (StreamOptions.resubscribe) instead.
        this.wsToken = this.token;
        this.token = undefined;
        this.attempt = 0;
        this.failedInRow = 0;
        this.setState('reconnecting', err);
        this.timer = setTimeout(() => this.reopen(), 0);
        return true;
    }
    reopen() {
        this.timer = undefined;
        if (this.finished)
            return;
        if (this.carrierNow === 'sse' && this.lastEventId !== undefined) {
            this.connectSSE(); // the event stream resumes after the last event
            return;
        }
        if (this.token === undefined && this.opts.resubscribe !== undefined && this.spec.rebuild !== undefined) {
            try {
                const p = this.opts.resubscribe(this.payload);
                this.spec.validatePayload?.(p);
                this.payload = p;
                this.request = this.spec.rebuild(p);
            }
            catch (e) {
                this.finish(e);
                return;
            }
        }
        if (this.carrierNow === 'sse')
            this.connectSSE();
        else
            this.connect();
    }
    // connectSSE reads the stream as Server-Sent Events (docs/protocol.md 3),
    // resuming after the last event received when there was one.
    connectSSE() {
        const ctrl = new AbortController();
        this.sseAbort = ctrl;
        const headers = this.transport.headers(this.request, { Accept: 'text/event-stream' });
        if (this.lastEventId !== undefined)
            headers['Last-Event-ID'] = this.lastEventId;
        void this.readEvents(this.transport.url(this.request, this.server, false), headers, ctrl);
    }
    async readEvents(url, headers, ctrl) {
        let openedAt;
        const ended = (err) => {
            if (this.sseAbort !== ctrl)
                return;
            this.sseAbort = undefined;
            ctrl.abort();
            this.closed(err, openedAt === undefined ? undefined : Date.now() - openedAt);
        };
        const f = this.fetcher ?? globalThis.fetch;
        let res;
        try {
            res = await f(url, { headers, signal: ctrl.signal });
        }
        catch {
            ended(new CloseError(1006, ''));
            return;
        }
        if (!res.ok || res.body === null) {
            const text = await res.text().catch(() => '');
            let body = text === '' ? undefined : text;
            try {
                body = JSON.parse(text);
            }
            catch {
                // plain text
            }
            if (res.status === 410)
                this.lastEventId = undefined; // the session is gone
            ended(new HTTPError(res.status, res.headers.get('goa-error') ?? '', body, parseRetryAfter(res.headers.get('retry-after'))));
            return;
        }
        if (this.sseAbort !== ctrl) {
            ctrl.abort();
            return;
        }
        openedAt = Date.now();
        this.everOpened = true;
        this.sseOpened = true;
        this.failedInRow = 0;
        this.transport.worked(this.server);
        this.setState('open');
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buf = '';
        let data = [];
        let type = '';
        let id;
        try {
            for (;;) {
                const { value, done } = await reader.read();
                if (done || this.sseAbort !== ctrl)
                    break;
                buf += value;
                for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
                    const line = buf.slice(0, nl).replace(/\r$/, '');
                    buf = buf.slice(nl + 1);
                    if (line === '') {
                        if (data.length > 0 && !this.event(type, id, data.join('\n'), ctrl, openedAt))
                            return;
                        data = [];
                        type = '';
                        id = undefined;
                        continue;
                    }
                    if (line.startsWith(':'))
                        continue; // a heartbeat
                    const colon = line.indexOf(':');
                    const field = colon < 0 ? line : line.slice(0, colon);
                    let v = colon < 0 ? '' : line.slice(colon + 1);
                    if (v.startsWith(' '))
                        v = v.slice(1);
                    if (field === 'data')
                        data.push(v);
                    else if (field === 'event')
                        type = v;
                    else if (field === 'id')
                        id = v;
                }
            }
        }
        catch {
            // aborted, or the connection dropped
        }
        ended(new CloseError(1006, ''));
    }
    // event handles one event; it returns false when the stream ended.
    event(type, id, data, ctrl, openedAt) {
        if (this.sseAbort !== ctrl)
            return false;
        if (type === 'end') {
            let end = {};
            try {
                end = JSON.parse(data);
            }
            catch {
                // a malformed end: a dropped connection
            }
            this.sseAbort = undefined;
            ctrl.abort();
            this.closed(new CloseError(end.code ?? 1006, end.reason ?? ''), Date.now() - openedAt);
            return false;
        }
        let msg;
        try {
            msg = JSON.parse(data);
        }
        catch (e) {
            this.fail(new Error(`duplex: malformed JSON from server: ${String(e)}`), 1007);
            return false;
        }
        if (id !== undefined)
            this.lastEventId = id;
        this.deliver(msg);
        return !this.finished;
    }
    fail(err, code) {
        if (this.finished)
            return;
        this.finish(err);
        this.closeSocket(code, err.message.slice(0, 120));
    }
    finish(err) {
        if (this.finished)
            return;
        this.finished = true;
        this.failure = err;
        this.unlisten?.();
        this.sseAbort?.abort();
        this.sseAbort = undefined;
        clearTimeout(this.timer);
        clearTimeout(this.ackTimer);
        this.setState('closed');
        for (const w of this.waiters.splice(0)) {
            if (err !== undefined)
                w.reject(err);
            else
                w.resolve({ value: undefined, done: true });
        }
        if (!this.gotResult) {
            if (err !== undefined)
                this.rejectResult(err);
            else
                this.resolveResult(undefined);
        }
    }
    closeSocket(code, reason) {
        const ws = this.ws;
        if (ws === undefined)
            return;
        if (ws.readyState === 0)
            return; // closed in onopen (userClosed)
        if (this.session && ws.readyState === 1) {
            if (this.unacked > 0) {
                this.unacked = 0;
                ws.send(JSON.stringify({ ack: this.inSeq }));
            }
            // The application gave up on the stream: the server may drop the session.
            if (this.userClosed)
                ws.send('{"close":{}}');
        }
        try {
            ws.close(code, reason);
        }
        catch {
            ws.close();
        }
    }
    write(data) {
        if (this.finished)
            throw this.failure ?? new Error('duplex: stream is closed');
        if (this.session) {
            if (this.ready && this.ws !== undefined && this.ws.readyState === 1) {
                const o = this.numbered(data);
                this.outBuf.push(o);
                this.ws.send(o.frame);
            }
            else {
                this.pending.push(data);
            }
            return;
        }
        if (this.ws !== undefined && this.ws.readyState === 1 && this.current === 'open')
            this.ws.send(data ?? 'null');
        else
            this.pending.push(data);
    }
    /** Validates msg and sends it; throws ValidationError without sending when it is invalid. */
    send(msg) {
        this.spec.validateOut?.(msg);
        this.write(JSON.stringify(msg));
    }
    /** Client and bidirectional streams: ends the client's side with a JSON null. Server streams: closes the connection. */
    close() {
        if (this.finished)
            return;
        if (this.spec.kind === 'server') {
            this.abort();
            return;
        }
        this.write(null);
    }
    /**
     * Closes the connection at once with 1000; iterations end without the
     * messages still buffered, a missing result rejects.
     */
    abort() {
        if (this.finished)
            return;
        this.userClosed = true;
        this.inbox.length = 0;
        this.finish();
        this.closeSocket(1000); // a connection still opening is closed by onopen
    }
    [Symbol.asyncIterator]() {
        return {
            next: () => {
                if (this.inbox.length > 0)
                    return Promise.resolve({ value: this.inbox.shift(), done: false });
                if (this.finished) {
                    return this.failure !== undefined ? Promise.reject(this.failure) : Promise.resolve({ value: undefined, done: true });
                }
                return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
            },
            return: () => {
                this.abort();
                return Promise.resolve({ value: undefined, done: true });
            },
        };
    }
}
