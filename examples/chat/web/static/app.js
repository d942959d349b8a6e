// The chat page, built on the TypeScript client generated from
// examples/chat/design (examples/chat/gen/ts, compiled into ./client by
// go generate): session, join (a server stream), send and history.
//
// Logging in calls session, whose response sets the JWT in an HttpOnly,
// SameSite=Strict cookie: no script in the page can read it, no URL
// carries it, and the browser sends it with every request to the server,
// the WebSocket upgrade of join included (a browser cannot set headers on
// an upgrade). The server still refuses upgrades from other origins, so
// another site cannot ride on the cookie.
//
// Messages are kept in sequence order whatever order they arrive in, each
// shown once. The join stream reconnects by itself with exponential backoff
// and jitter (the client's retry policy). When the server speaks the
// resumable duplex.v1 protocol the client resumes its session, losing
// nothing; otherwise it asks resubscribe for the next payload before each
// reconnection, and the page gives it the last sequence it has as "after",
// so the server sends every later message once. A restarted server cannot
// resume a session (close 4500): the stream ends and the page opens a new
// one, again with "after". The banner follows the stream's onState. After a reconnection the
// page checks with history that the server still has the last message it
// showed: chatd without -data keeps rooms in memory and starts a room again
// at sequence 1 after a restart, and the page then says so and starts
// counting again. When the stream ends for good (the server was unreachable
// when it opened, or could not resume it) the page opens a new one, with
// its own backoff, unless the close says retrying cannot help.
//
// The activity feed (subscribe) is a second server stream. Where a proxy
// refuses WebSockets, both streams fall back to Server-Sent Events by
// themselves (SSEFallback in the design); the status says so.
import { Client, HTTPError, CloseError, backoff, defaultRetryPolicy, retryableCode } from "./client/chat.js";

const $ = (id) => document.getElementById(id);

// Reconnection delays: quicker than the client's default ceiling of 30 s,
// since a person is waiting.
const RETRY = { initial: 250, max: 5000, multiplier: 2, maxAttempts: 0 };
const HISTORY_PAGE = 500;

const client = new Client(location.origin, { retry: RETRY });

const state = {
  user: "",
  password: "", // kept in memory only, to log in again when a token expires
  loggedIn: false, // the session cookie is set (the page cannot read it)
  room: "",
  stream: null, // the join stream of the room shown
  attempt: 0, // streams opened in a row without reaching "open"
  retryTimer: 0,
  lastSeq: 0, // highest sequence shown in the current epoch
  seen: new Map(), // sequence -> message, current epoch
  epoch: 0, // incremented when the server lost its history
  presence: new Map(), // user -> number of connections
  generation: 0, // invalidates the callbacks of an abandoned stream
  activity: null, // the subscribe stream of the activity feed
};

const ACTIVITY_ITEMS = 50;

// ---- calls --------------------------------------------------------------

async function login(user, password) {
  try {
    await client.session({ user, password }); // sets the session cookie
  } catch (err) {
    if (err instanceof HTTPError && err.status === 401) throw new Error("wrong user name or password");
    throw err;
  }
  state.user = user;
  state.password = password;
  state.loggedIn = true;
}

// authorized runs call (authenticated by the session cookie) and, when the
// server rejects it (the token expired, or the server restarted with
// another secret), logs in again and retries once.
async function authorized(call) {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof HTTPError) || err.status !== 401 || !state.password) throw err;
    await login(state.user, state.password);
    return call();
  }
}

const history = (room, after, limit) => authorized(() => client.history({ room, after, limit }));

function describe(err) {
  if (err instanceof HTTPError) {
    const b = err.body;
    return (typeof b === "string" ? b : b && b.message) || `HTTP ${err.status}`;
  }
  return err && err.message ? err.message : String(err);
}

// ---- messages -----------------------------------------------------------

// addMessage shows m at its place in sequence order, once.
function addMessage(m) {
  if (m.room !== state.room || state.seen.has(m.sequence)) return;
  state.seen.set(m.sequence, m);
  if (m.sequence > state.lastSeq) state.lastSeq = m.sequence;

  const li = document.createElement("li");
  li.id = `m-${state.epoch}-${m.sequence}`;
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

// historyLost reports whether the server no longer has the last message
// the page shows: chatd without durable storage starts a restarted room
// again at sequence 1.
async function historyLost(room) {
  if (state.lastSeq === 0) return false;
  const probe = await history(room, state.lastSeq - 1, 1);
  const mine = state.seen.get(state.lastSeq);
  const same = probe.length === 1 &&
    (probe[0].sequence > state.lastSeq ||
      (probe[0].sequence === state.lastSeq && mine !== undefined && probe[0].timestamp === mine.timestamp));
  return !same;
}

// catchUp shows the messages after the last one the page has, page by page.
async function catchUp(room, gen) {
  for (;;) {
    const page = await history(room, state.lastSeq, HISTORY_PAGE);
    if (gen !== state.generation) return;
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

function setStatus(s, carrier) {
  $("status").dataset.state = s;
  $("status").dataset.carrier = carrier || "";
  $("status").textContent = s === "online" && carrier === "sse" ? "online (Server-Sent Events)" : s;
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

function closeReason(cause) {
  if (!cause) return "Connection lost.";
  if (cause instanceof HTTPError) return `The server is busy (HTTP ${cause.status}).`;
  if (cause.code === 1001 || cause.code === 1012) return "The server is restarting.";
  if (cause.code === 4500) return "The server restarted and could not resume the stream.";
  return `Connection lost (${cause.code}${cause.reason ? ": " + cause.reason : ""}).`;
}

// fatalClose reports whether a stream that ended with err must not be
// opened again: the server refused it in a way a retry cannot fix. A
// resume the server cannot honour (4500, e.g. a restarted server) is not
// fatal: a new join with "after" continues where the page stopped.
function fatalClose(err) {
  if (!(err instanceof CloseError)) return false;
  if (err.code === 4500) return false;
  return !retryableCode(err.code);
}

// open opens the join stream of state.room after the last message shown
// and consumes it until it ends or the page abandons it.
async function open() {
  const gen = ++state.generation;
  const room = state.room;
  clearTimeout(state.retryTimer);
  closeStream();
  setStatus(state.attempt === 0 ? "connecting" : "reconnecting");
  try {
    if (await historyLost(room)) {
      if (gen !== state.generation) return;
      newEpoch();
    }
    await catchUp(room, gen);
  } catch (err) {
    if (gen !== state.generation) return;
    if (err instanceof HTTPError && err.status === 401) return fatal("Your session ended: please log in again.");
    return retry(`Cannot reach the server (${describe(err)}).`);
  }
  if (gen !== state.generation) return;

  // checking holds the stream's events while the page makes sure, after a
  // reconnection, that the server still has its history.
  let checking = null;
  let reconnected = false;
  const stream = client.join(
    { room, after: state.lastSeq },
    {
      retry: RETRY,
      onState: (s, cause, carrier) => {
        if (gen !== state.generation) return;
        if (s === "reconnecting") {
          reconnected = true;
          state.presence.clear(); // the next connection starts with who is here
          renderPresence();
          setStatus("reconnecting");
          showBanner(`${closeReason(cause)} Reconnecting…`);
        } else if (s === "open") {
          state.attempt = 0;
          state.presence.clear();
          renderPresence();
          hideBanner();
          setStatus("online", carrier);
          if (reconnected) checking = afterReconnect(room, gen);
        }
      },
      // Called before each reconnection: continue after the last message
      // shown (the browser sends the current session cookie).
      resubscribe: (p) => ({ ...p, after: state.lastSeq }),
    },
  );
  state.stream = stream;
  try {
    for await (const ev of stream) {
      if (checking) await checking;
      if (gen !== state.generation) return;
      if (ev.kind === "message" && ev.message) addMessage(ev.message);
      else if (ev.kind === "joined" || ev.kind === "left") presenceEvent(ev);
    }
    if (gen === state.generation) retry("The server ended the stream.");
  } catch (err) {
    if (gen !== state.generation) return;
    if (err instanceof CloseError && err.code === 4501 && state.password) {
      // The token expired or was revoked: log in again, then rejoin.
      try {
        await login(state.user, state.password);
      } catch (e) {
        if (gen === state.generation) fatal("Your session ended: please log in again.");
        return;
      }
      if (gen === state.generation) retry("Your session was renewed.");
      return;
    }
    if (fatalClose(err)) return fatal(`The server ended the stream: ${err.reason || err.code}.`);
    retry(err instanceof CloseError ? closeReason(err) : `The stream failed (${describe(err)}).`);
  }
}

// afterReconnect checks that the server kept the room's history; if not,
// it starts a new epoch and opens a new stream from the start of the room.
async function afterReconnect(room, gen) {
  let lost = false;
  try {
    lost = await historyLost(room);
  } catch (_) {
    return; // the stream's own reconnection tries again
  }
  if (!lost || gen !== state.generation) return;
  newEpoch();
  state.attempt = 0;
  open();
}

function newEpoch() {
  state.epoch++;
  state.seen = new Map();
  state.lastSeq = 0;
  addNotice("The server restarted and lost the room's history; new messages follow.");
}

// retry opens a new stream after a backoff delay.
function retry(why) {
  closeStream();
  state.presence.clear();
  renderPresence();
  const delay = Math.round(backoff({ ...defaultRetryPolicy, ...RETRY }, state.attempt));
  state.attempt++;
  setStatus("reconnecting");
  showBanner(`${why} Reconnecting in ${(delay / 1000).toFixed(1)} s (attempt ${state.attempt})…`);
  state.retryTimer = setTimeout(open, delay);
}

function fatal(why) {
  leaveRoom();
  setStatus("offline");
  showBanner(why);
}

// openActivity reads the server's activity feed until the page closes it;
// the stream reconnects (and falls back to Server-Sent Events) by itself.
async function openActivity() {
  closeActivity();
  // The session cookie authenticates it, on both carriers.
  const stream = client.subscribe({}, { retry: RETRY });
  state.activity = stream;
  try {
    for await (const ev of stream) {
      if (state.activity !== stream) return;
      addActivity(ev);
    }
  } catch (_) {
    // The feed is informative: the room keeps working without it.
  }
}

function addActivity(ev) {
  const li = document.createElement("li");
  li.dataset.action = ev.action;
  li.textContent = ev.message;
  const list = $("activity");
  list.prepend(li);
  while (list.children.length > ACTIVITY_ITEMS) list.lastElementChild.remove();
}

function closeActivity() {
  const s = state.activity;
  state.activity = null;
  if (s) s.close();
  $("activity").replaceChildren();
}

function closeStream() {
  const s = state.stream;
  state.stream = null;
  if (s) s.close();
}

function leaveRoom() {
  state.generation++;
  clearTimeout(state.retryTimer);
  closeStream();
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
  window.history.replaceState(null, "", "#" + room);
  open();
}

// ---- UI -----------------------------------------------------------------

$("login-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("login-error").textContent = "";
  try {
    await login($("user").value.trim(), $("password").value);
  } catch (err) {
    $("login-error").textContent = describe(err);
    return;
  }
  $("password").value = "";
  $("whoami").textContent = state.user;
  $("login-view").hidden = true;
  $("chat-view").hidden = false;
  const room = location.hash.slice(1) || $("room").value;
  $("room").value = room;
  joinRoom(room);
  openActivity();
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
  const room = state.room;
  try {
    // The client validates the payload against the design (e.g. the
    // text's length) before sending it.
    const m = await authorized(() => client.send({ room, text }));
    input.value = "";
    addMessage(m);
  } catch (err) {
    $("chat-error").textContent = "Not sent: " + describe(err);
  }
});

$("retry").addEventListener("click", () => {
  if (state.room && state.loggedIn) {
    state.attempt = 0;
    closeStream();
    open();
  }
});

$("logout").addEventListener("click", () => {
  leaveRoom();
  closeActivity();
  Object.assign(state, { user: "", password: "", loggedIn: false, room: "" });
  setStatus("offline");
  hideBanner();
  $("chat-view").hidden = true;
  $("login-view").hidden = false;
});

setStatus("offline");
