// The chat page: plain WebSocket and fetch against the endpoints generated
// from examples/chat/design (POST /login, GET /rooms/{room} WebSocket,
// POST /rooms/{room}/messages, GET /rooms/{room}/history).
//
// Messages are kept in sequence order whatever order they arrive in. When
// the connection drops, a banner shows and the page reconnects with
// exponential backoff and jitter; before reopening the stream it catches up
// with the history method (after = the last sequence it has). If the server
// restarted and lost its history (chatd keeps everything in memory), the
// page notices that the sequence it had no longer exists, says so, and
// starts counting again.
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  // Reconnection: full jitter over an exponential delay, as the Go client
  // (ws.RetryPolicy) does.
  const RETRY_INITIAL_MS = 250;
  const RETRY_MAX_MS = 5000;
  // Close codes after which reconnecting cannot help (RFC 6455 and
  // Duplex's 4500–4999 range).
  const FATAL_CODES = new Set([1002, 1003, 1007, 1008, 1009]);
  const HISTORY_PAGE = 500;

  const state = {
    user: "",
    password: "", // kept in memory only, to log in again when a token expires
    token: "",
    room: "",
    socket: null,
    attempt: 0,
    retryTimer: 0,
    lastSeq: 0, // highest sequence shown in the current epoch
    seen: new Map(), // sequence -> message, current epoch
    epoch: 0, // incremented when the server lost its history
    presence: new Map(), // user -> number of connections
    generation: 0, // invalidates callbacks of an abandoned connection
  };

  // ---- HTTP ---------------------------------------------------------------

  class HTTPError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  async function call(method, path, { body, auth = true, retryLogin = true } = {}) {
    const headers = {};
    if (auth) headers.Authorization = "Bearer " + state.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 401 && auth && retryLogin && state.password) {
      // The token expired or the server restarted with a new secret.
      await login(state.user, state.password);
      return call(method, path, { body, auth, retryLogin: false });
    }
    if (!res.ok) {
      let message = res.statusText;
      try {
        const e = await res.json();
        message = typeof e === "string" ? e : e.message || message;
      } catch (_) {
        /* not JSON */
      }
      throw new HTTPError(res.status, message);
    }
    return res.json();
  }

  async function login(user, password) {
    const res = await fetch("/login", {
      method: "POST",
      headers: { Authorization: "Basic " + btoa(unescape(encodeURIComponent(user + ":" + password))) },
    });
    if (!res.ok) {
      throw new HTTPError(res.status, res.status === 401 ? "wrong user name or password" : "login failed: " + res.status);
    }
    state.token = await res.json();
    state.user = user;
    state.password = password;
  }

  const historyPath = (room, after, limit) =>
    `/rooms/${encodeURIComponent(room)}/history?after=${after}&limit=${limit}`;

  // ---- messages -----------------------------------------------------------

  function messageID(seq) {
    return `m-${state.epoch}-${seq}`;
  }

  // addMessage shows m at its place in sequence order, once.
  function addMessage(m) {
    if (state.seen.has(m.sequence)) return;
    state.seen.set(m.sequence, m);
    if (m.sequence > state.lastSeq) state.lastSeq = m.sequence;

    const li = document.createElement("li");
    li.id = messageID(m.sequence);
    li.className = "message";
    li.dataset.seq = String(m.sequence);
    li.dataset.epoch = String(state.epoch);
    const seq = document.createElement("span");
    seq.className = "seq";
    seq.textContent = "#" + m.sequence;
    const from = document.createElement("span");
    from.className = "from";
    from.textContent = m.from;
    const text = document.createElement("span");
    text.className = "text";
    text.textContent = m.text;
    const time = document.createElement("time");
    time.className = "time";
    time.dateTime = m.timestamp;
    time.textContent = new Date(m.timestamp).toLocaleTimeString();
    li.append(seq, from, text, time);

    const list = $("messages");
    const stick = list.scrollTop + list.clientHeight >= list.scrollHeight - 4;
    // Insert before the first message of this epoch with a greater sequence.
    let next = null;
    for (let el = list.lastElementChild; el; el = el.previousElementSibling) {
      if (!el.classList.contains("message") || Number(el.dataset.epoch) !== state.epoch) break;
      if (Number(el.dataset.seq) > m.sequence) next = el;
      else break;
    }
    list.insertBefore(li, next);
    if (stick) list.scrollTop = list.scrollHeight;
  }

  function addNotice(text) {
    const li = document.createElement("li");
    li.className = "notice";
    li.textContent = text;
    $("messages").append(li);
  }

  // catchUp fetches the messages after the last one the page has. It first
  // checks that the server still knows that message: a chatd restarted
  // without durable storage starts the room again at sequence 1.
  async function catchUp(room) {
    if (state.lastSeq > 0) {
      const probe = await call("GET", historyPath(room, state.lastSeq - 1, 1));
      const mine = state.seen.get(state.lastSeq);
      const same = probe.length === 1 &&
        (probe[0].sequence > state.lastSeq ||
          (probe[0].sequence === state.lastSeq && mine && probe[0].timestamp === mine.timestamp));
      if (!same) {
        state.epoch++;
        state.seen = new Map();
        state.lastSeq = 0;
        addNotice("The server restarted and lost the room's history; new messages follow.");
      }
    }
    for (;;) {
      const page = await call("GET", historyPath(room, state.lastSeq, HISTORY_PAGE));
      page.forEach(addMessage);
      if (page.length < HISTORY_PAGE) return;
    }
  }

  // ---- presence -----------------------------------------------------------

  function renderPresence() {
    const ul = $("presence");
    ul.replaceChildren();
    [...state.presence.keys()].sort().forEach((user) => {
      const li = document.createElement("li");
      li.dataset.user = user;
      li.textContent = user + (user === state.user ? " (you)" : "");
      ul.append(li);
    });
  }

  function presenceEvent(ev) {
    const n = state.presence.get(ev.user) || 0;
    if (ev.kind === "joined") state.presence.set(ev.user, n + 1);
    else if (n <= 1) state.presence.delete(ev.user);
    else state.presence.set(ev.user, n - 1);
    renderPresence();
  }

  // ---- connection ---------------------------------------------------------

  function setStatus(s) {
    $("status").dataset.state = s;
    $("status").textContent = s;
    document.body.dataset.connection = s;
    $("send").disabled = s !== "online";
  }

  function showBanner(text) {
    $("banner-text").textContent = text;
    $("banner").hidden = false;
  }

  function hideBanner() {
    $("banner").hidden = true;
  }

  async function connect() {
    const gen = ++state.generation;
    const room = state.room;
    clearTimeout(state.retryTimer);
    setStatus(state.attempt === 0 ? "connecting" : "reconnecting");
    try {
      await catchUp(room);
    } catch (err) {
      if (gen !== state.generation) return;
      if (err instanceof HTTPError && err.status === 401) {
        return fatal("Your session ended: please log in again.");
      }
      return retry(`Cannot reach the server (${err.message}).`);
    }
    if (gen !== state.generation) return;

    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const url = `${scheme}//${location.host}/rooms/${encodeURIComponent(room)}?token=${encodeURIComponent(state.token)}`;
    const socket = new WebSocket(url);
    state.socket = socket;
    socket.onopen = () => {
      if (gen !== state.generation) return;
      state.attempt = 0;
      state.presence.clear(); // the stream starts with who is here
      renderPresence();
      hideBanner();
      setStatus("online");
    };
    socket.onmessage = (e) => {
      if (gen !== state.generation) return;
      let ev;
      try {
        ev = JSON.parse(e.data);
      } catch (_) {
        return;
      }
      if (ev.kind === "message" && ev.message) {
        const prev = state.lastSeq;
        addMessage(ev.message);
        // The server sends a room in order, so a jump means the page missed
        // messages (its catch-up and the stream's overlapped too little).
        if (prev > 0 && ev.message.sequence > prev + 1) fillGap(gen, prev);
      } else if (ev.kind === "joined" || ev.kind === "left") {
        presenceEvent(ev);
      }
    };
    socket.onclose = (e) => {
      if (gen !== state.generation) return;
      state.socket = null;
      if (FATAL_CODES.has(e.code) || (e.code >= 4500 && e.code <= 4999)) {
        return fatal(`The server ended the stream: ${e.reason || e.code}.`);
      }
      const why = e.code === 1001 ? "The server is restarting." : `Connection lost (${e.code}${e.reason ? ": " + e.reason : ""}).`;
      retry(why);
    };
  }

  async function fillGap(gen, after) {
    try {
      const page = await call("GET", historyPath(state.room, after, HISTORY_PAGE));
      if (gen === state.generation) page.forEach(addMessage);
    } catch (_) {
      /* the next reconnection catches up */
    }
  }

  function retry(why) {
    state.presence.clear();
    renderPresence();
    const base = Math.min(RETRY_MAX_MS, RETRY_INITIAL_MS * 2 ** state.attempt);
    const delay = Math.round(base / 2 + Math.random() * (base / 2));
    state.attempt++;
    setStatus("reconnecting");
    showBanner(`${why} Reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${state.attempt})…`);
    state.retryTimer = setTimeout(connect, delay);
  }

  function fatal(why) {
    state.generation++;
    clearTimeout(state.retryTimer);
    setStatus("offline");
    showBanner(why);
  }

  function leaveRoom() {
    state.generation++;
    clearTimeout(state.retryTimer);
    if (state.socket) state.socket.close(1000);
    state.socket = null;
  }

  function joinRoom(room) {
    leaveRoom();
    state.room = room;
    state.attempt = 0;
    state.lastSeq = 0;
    state.seen = new Map();
    state.epoch++;
    state.presence.clear();
    $("messages").replaceChildren();
    renderPresence();
    hideBanner();
    history.replaceState(null, "", "#" + room);
    connect();
  }

  // ---- UI -----------------------------------------------------------------

  $("login-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    $("login-error").textContent = "";
    try {
      await login($("user").value.trim(), $("password").value);
    } catch (err) {
      $("login-error").textContent = err.message;
      return;
    }
    $("password").value = "";
    $("whoami").textContent = state.user;
    $("login-view").hidden = true;
    $("chat-view").hidden = false;
    const room = location.hash.slice(1) || $("room").value;
    $("room").value = room;
    joinRoom(room);
  });

  $("room-form").addEventListener("submit", (e) => {
    e.preventDefault();
    joinRoom($("room").value.trim());
  });

  $("send-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("text");
    const text = input.value;
    if (!text) return;
    $("chat-error").textContent = "";
    try {
      const m = await call("POST", `/rooms/${encodeURIComponent(state.room)}/messages`, { body: { text } });
      input.value = "";
      if (m.room === state.room) addMessage(m);
    } catch (err) {
      $("chat-error").textContent = "Not sent: " + err.message;
    }
  });

  $("retry").addEventListener("click", () => {
    if (state.room && state.token) {
      state.attempt = 0;
      connect();
    }
  });

  $("logout").addEventListener("click", () => {
    leaveRoom();
    Object.assign(state, { user: "", password: "", token: "", room: "" });
    setStatus("offline");
    hideBanner();
    $("chat-view").hidden = true;
    $("login-view").hidden = false;
  });

  setStatus("offline");
})();
