// browser.mjs drives the chat page (which runs the generated TypeScript
// client, ../static/client) in headless Chromium with two pages, alice and
// bob, in one room.
//
//	node browser.mjs restart URL SCREENSHOT_DIR
//	node browser.mjs sigkill URL SCREENSHOT_DIR
//	node browser.mjs sse URL SCREENSHOT_DIR
//
// restart (chatd in memory): they see each other's presence and messages
// in order, a reloaded page catches up from history; then chatd stops and
// starts again: both pages show the reconnect banner, reconnect by
// themselves, notice that the history is gone and chat again.
//
// sigkill (chatd -data): they chat; chatd is killed with SIGKILL and
// started again on the same data directory and port, and a message is
// posted as soon as it is back; both pages show the banner, reconnect by
// themselves, still show every earlier message once and in sequence order
// (no notice: nothing was lost), then the message posted meanwhile, and
// chat again; a reloaded page gets the same history from the server.
//
// sse (URL is a proxy in front of chatd that refuses or drops WebSocket
// upgrades): both pages fall back to Server-Sent Events by themselves and
// their status says so; they see each other's messages in the room and in
// the activity feed, and send through the unary endpoint.
//
// Protocol with the Go test (browser_test.go): the script prints a request
// ("STOP", "KILL" or "START") and waits for its answer on stdin
// ("stopped", "killed", "started"). Other output is progress for the test
// log. The exit code is 0 when every check passed.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [scenario, url, shotDir = tmpdir()] = process.argv.slice(2);
if (!url || !["restart", "sigkill", "sse"].includes(scenario)) {
  console.error("usage: node browser.mjs restart|sigkill|sse URL [SCREENSHOT_DIR]");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 20_000;
const room = { sigkill: "browser-sigkill", sse: "browser-sse" }[scenario] ?? "browser-test";

const lines = createInterface({ input: process.stdin });
const waiting = [];
lines.on("line", (l) => {
  const w = waiting.shift();
  if (w) w(l.trim());
});
function ask(request, answer) {
  return new Promise((resolve, reject) => {
    waiting.push((l) => (l === answer ? resolve() : reject(new Error(`asked ${request}, got ${JSON.stringify(l)}`))));
    console.log(request);
  });
}

const step = (s) => console.log("step: " + s);

async function login(page, user) {
  await page.goto(`${url}#${room}`);
  await page.fill("#user", user);
  await page.fill("#password", "secret");
  await page.click("#login");
  await page.waitForSelector("#chat-view:not([hidden])");
  await page.waitForSelector('#status[data-state="online"]');
}

async function send(page, text) {
  await page.fill("#text", text);
  await page.click("#send");
  await page.waitForFunction(() => document.getElementById("text").value === "");
}

// texts returns the texts of the messages a page shows, in display order.
const texts = (page) => page.$$eval("#messages li.message .text", (els) => els.map((e) => e.textContent));
// sequences returns the sequences shown in the current epoch, in display order.
const sequences = (page) =>
  page.$$eval("#messages li.message", (els) => {
    const last = els.length ? els[els.length - 1].dataset.epoch : "";
    return els.filter((e) => e.dataset.epoch === last).map((e) => Number(e.dataset.seq));
  });

async function waitForText(page, text) {
  await page.waitForFunction(
    (t) => [...document.querySelectorAll("#messages li.message .text")].some((e) => e.textContent === t),
    text,
  );
}

async function waitForPresence(page, users) {
  await page.waitForFunction(
    (want) => {
      const got = [...document.querySelectorAll("#presence li")].map((e) => e.dataset.user).sort();
      return JSON.stringify(got) === JSON.stringify(want);
    },
    [...users].sort(),
  );
}

function assertConsecutive(name, seqs) {
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== seqs[0] + i) throw new Error(`${name} shows sequences ${seqs.join(",")}: not consecutive`);
  }
}

// urls records, per page, the URL of every request and WebSocket it opens.
const urls = new Map();

// assertTokenOnlyInCookie checks that the pages authenticate with the
// HttpOnly session cookie only: no URL they requested (HTTP or WebSocket)
// carries a token, and the page's scripts cannot read the cookie.
async function assertTokenOnlyInCookie(pages) {
  for (const p of pages) {
    const seen = urls.get(p) ?? [];
    const sockets = seen.filter((u) => u.startsWith("ws"));
    if (!sockets.some((u) => new URL(u).pathname.startsWith("/rooms/"))) {
      throw new Error(`no join WebSocket was opened: ${seen.join(", ")}`);
    }
    const leaked = seen.filter((u) => /[?&]token=/.test(u) || /eyJ[\w-]+\.[\w-]+\./.test(u));
    if (leaked.length) throw new Error(`a URL carries the token: ${leaked.join(", ")}`);
    const cookies = await p.evaluate(() => document.cookie);
    if (cookies.includes("chat_session")) throw new Error(`the page's scripts can read the session cookie: ${cookies}`);
    const jar = await p.context().cookies();
    const session = jar.find((c) => c.name === "chat_session");
    if (!session || !session.httpOnly || session.sameSite !== "Strict") {
      throw new Error(`the session cookie is not HttpOnly and SameSite=Strict: ${JSON.stringify(session)}`);
    }
  }
}

async function loginBoth(alice, bob) {
  step("alice and bob log in and join " + room);
  await login(alice, "alice");
  await login(bob, "bob");
  await waitForPresence(alice, ["alice", "bob"]);
  await waitForPresence(bob, ["alice", "bob"]);
  for (const p of [alice, bob]) {
    // The page runs the generated client, not hand-written calls.
    const loaded = await p.evaluate(() => performance.getEntriesByType("resource").map((e) => new URL(e.name).pathname));
    for (const m of ["/client/chat.js", "/client/duplex/index.js", "/client/duplex/stream.js"]) {
      if (!loaded.includes(m)) throw new Error(`the page did not load ${m}: ${loaded.join(", ")}`);
    }
  }
}

// exchange has alice and bob send n messages in turn, prefixed, and
// checks that both pages show the same messages in the same order.
async function exchange(alice, bob, prefix, n) {
  for (let i = 1; i <= n; i++) {
    const [from, to] = i % 2 ? [alice, bob] : [bob, alice];
    await send(from, `${prefix} ${i}`);
    await waitForText(to, `${prefix} ${i}`);
  }
  await waitForText(alice, `${prefix} ${n}`);
  await waitForText(bob, `${prefix} ${n}`);
  return sameOnBoth(alice, bob);
}

async function sameOnBoth(alice, bob) {
  const ta = await texts(alice);
  const tb = await texts(bob);
  if (JSON.stringify(ta) !== JSON.stringify(tb)) throw new Error(`pages disagree on the order:\n${ta}\n${tb}`);
  assertConsecutive("alice", await sequences(alice));
  assertConsecutive("bob", await sequences(bob));
  return ta;
}

async function waitForBanner(pages) {
  for (const p of pages) {
    await p.waitForSelector("#banner:not([hidden])");
    await p.waitForSelector('#status[data-state="reconnecting"]');
  }
  console.log("banner: " + (await pages[0].textContent("#banner-text")));
}

async function waitForOnline(pages) {
  for (const p of pages) {
    await p.waitForSelector("#banner", { state: "hidden" });
    await p.waitForSelector('#status[data-state="online"]');
  }
  for (const p of pages) await waitForPresence(p, ["alice", "bob"]);
}

async function sse(alice, bob) {
  await loginBoth(alice, bob);
  step("both pages fell back to Server-Sent Events, and say so");
  for (const p of [alice, bob]) {
    await p.waitForSelector('#status[data-carrier="sse"]');
    const status = await p.textContent("#status");
    if (status !== "online (Server-Sent Events)") throw new Error(`status ${JSON.stringify(status)}`);
  }
  step("alice and bob chat: the room's events arrive as Server-Sent Events, messages go out as POSTs");
  await exchange(alice, bob, "through the proxy", 4);
  step("the activity feed shows them too");
  for (const [p, who] of [[alice, "bob"], [bob, "alice"]]) {
    await p.waitForFunction(
      (text) => [...document.querySelectorAll("#activity li")].some((e) => e.textContent === text),
      `${who} posted in ${room}`,
    );
  }
  await alice.screenshot({ path: join(shotDir, "sse-alice.png"), fullPage: true });
}

async function restart(alice, bob) {
  await loginBoth(alice, bob);

  step("they exchange messages");
  await send(alice, "hello from alice");
  await waitForText(bob, "hello from alice");
  await send(bob, "hi alice");
  await waitForText(alice, "hi alice");
  const ta = await exchange(alice, bob, "message", 5);
  step("no URL carries the token: the session cookie authenticates every call and upgrade");
  await assertTokenOnlyInCookie([alice, bob]);

  step("a page that reloads catches up from history");
  await bob.reload();
  await login(bob, "bob");
  await waitForText(bob, "message 5");
  if (JSON.stringify(await texts(bob)) !== JSON.stringify(ta)) throw new Error("bob's history after reload differs");

  step("the server stops");
  await ask("STOP", "stopped");
  await waitForBanner([alice, bob]);
  mkdirSync(shotDir, { recursive: true });
  await alice.screenshot({ path: join(shotDir, "reconnecting.png"), fullPage: true });

  step("the server starts again; both pages reconnect by themselves");
  await ask("START", "started");
  await waitForOnline([alice, bob]);
  // chatd keeps history in memory: the pages must notice it is gone
  // rather than drop the new room's messages as already seen.
  for (const p of [alice, bob]) await p.waitForSelector("#messages li.notice");

  step("they chat again");
  await send(bob, "back after the restart");
  await waitForText(alice, "back after the restart");
  await send(alice, "welcome back");
  await waitForText(bob, "welcome back");
  assertConsecutive("alice after restart", await sequences(alice));
  assertConsecutive("bob after restart", await sequences(bob));
  await alice.screenshot({ path: join(shotDir, "after-restart.png"), fullPage: true });
  await bob.screenshot({ path: join(shotDir, "after-restart-bob.png"), fullPage: true });
}

async function sigkill(alice, bob) {
  await loginBoth(alice, bob);

  step("they exchange messages");
  const before = await exchange(alice, bob, "before the crash", 6);
  await assertTokenOnlyInCookie([alice, bob]);
  const seqs = await sequences(alice);
  if (seqs[0] !== 1 || seqs.length !== before.length) throw new Error(`alice shows sequences ${seqs}, want 1..${before.length}`);

  step("chatd is killed with SIGKILL");
  await ask("KILL", "killed");
  await waitForBanner([alice, bob]);
  mkdirSync(shotDir, { recursive: true });
  await alice.screenshot({ path: join(shotDir, "sigkill-reconnecting.png"), fullPage: true });

  step("chatd starts again on the same data directory; both pages reconnect by themselves");
  await ask("START", "started");
  await waitForOnline([alice, bob]);
  const away = "posted while you were away";
  for (const p of [alice, bob]) await waitForText(p, away);

  step("every earlier message is still there, once, in order");
  const after = await sameOnBoth(alice, bob);
  const want = [...before, away];
  if (JSON.stringify(after) !== JSON.stringify(want)) {
    throw new Error(`after the restart the pages show\n${after}\nwant\n${want}`);
  }
  for (const p of [alice, bob]) {
    if ((await p.$$("#messages li.notice")).length !== 0) throw new Error("a page says history was lost; chatd -data keeps it");
    const s = await sequences(p);
    if (s[0] !== 1 || s.length !== want.length) throw new Error(`a page shows sequences ${s}, want 1..${want.length}`);
  }

  step("they chat again");
  const again = await exchange(alice, bob, "after the crash", 4);
  if (again.length !== want.length + 4) throw new Error(`the pages show ${again.length} messages, want ${want.length + 4}`);

  step("a page that reloads gets the same history from the restarted chatd");
  await bob.reload();
  await login(bob, "bob");
  await waitForText(bob, "after the crash 4");
  if (JSON.stringify(await texts(bob)) !== JSON.stringify(again)) throw new Error("bob's history after reload differs");
  assertConsecutive("bob after reload", await sequences(bob));
  await alice.screenshot({ path: join(shotDir, "sigkill-after-restart.png"), fullPage: true });
  await bob.screenshot({ path: join(shotDir, "sigkill-after-reload-bob.png"), fullPage: true });
}

const browser = await chromium.launch({
  executablePath,
  headless: true,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    // Playwright gives a non-persistent browser a new empty --user-data-dir.
  ],
});
let failed = false;
let pages = [];
try {
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const alice = await ctxA.newPage();
  const bob = await ctxB.newPage();
  pages = [alice, bob];
  for (const p of pages) {
    urls.set(p, []);
    p.on("request", (r) => urls.get(p).push(r.url()));
    p.on("websocket", (w) => urls.get(p).push(w.url()));
    p.setDefaultTimeout(TIMEOUT);
    p.on("pageerror", (e) => {
      console.error("page error: " + e.message);
      failed = true;
    });
  }

  await { sigkill, sse, restart }[scenario](alice, bob);
  console.log("screenshots: " + shotDir);
} catch (err) {
  failed = true;
  console.error("FAIL: " + (err && err.stack ? err.stack : err));
  for (const [i, p] of pages.entries()) {
    try {
      await p.screenshot({ path: join(shotDir, `failure-${i}.png`), fullPage: true });
    } catch (_) {
      /* best effort */
    }
  }
} finally {
  await browser.close();
  lines.close();
}
if (failed) process.exit(1);
console.log("PASS");
