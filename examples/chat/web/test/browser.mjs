// browser.mjs drives the chat page in headless Chromium with two pages:
// alice and bob log in, join one room, see each other's presence and
// messages in order; then the server restarts (the Go test that runs this
// script stops and starts chatd when asked), both pages show the reconnect
// banner, reconnect by themselves and chat again.
//
//	node browser.mjs URL SCREENSHOT_DIR
//
// Protocol with the Go test (TestWebPageInChromium): the script prints
// "STOP" and waits for a "stopped" line on stdin, then prints "START" and
// waits for "started". Other output is progress for the test log. The exit
// code is 0 when every check passed.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const [url, shotDir = tmpdir()] = process.argv.slice(2);
if (!url) {
  console.error("usage: node browser.mjs URL [SCREENSHOT_DIR]");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 20_000;
const room = "browser-test";

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
    p.setDefaultTimeout(TIMEOUT);
    p.on("pageerror", (e) => {
      console.error("page error: " + e.message);
      failed = true;
    });
  }

  step("alice and bob log in and join " + room);
  await login(alice, "alice");
  await login(bob, "bob");
  await waitForPresence(alice, ["alice", "bob"]);
  await waitForPresence(bob, ["alice", "bob"]);

  step("they exchange messages");
  await send(alice, "hello from alice");
  await waitForText(bob, "hello from alice");
  await send(bob, "hi alice");
  await waitForText(alice, "hi alice");
  for (let i = 1; i <= 5; i++) await send(i % 2 ? alice : bob, `message ${i}`);
  await waitForText(alice, "message 5");
  await waitForText(bob, "message 5");
  const ta = await texts(alice);
  const tb = await texts(bob);
  if (JSON.stringify(ta) !== JSON.stringify(tb)) throw new Error(`pages disagree on the order:\n${ta}\n${tb}`);
  assertConsecutive("alice", await sequences(alice));
  assertConsecutive("bob", await sequences(bob));

  step("a page that reloads catches up from history");
  await bob.reload();
  await login(bob, "bob");
  await waitForText(bob, "message 5");
  if (JSON.stringify(await texts(bob)) !== JSON.stringify(ta)) throw new Error("bob's history after reload differs");

  step("the server stops");
  await ask("STOP", "stopped");
  for (const p of pages) {
    await p.waitForSelector("#banner:not([hidden])");
    await p.waitForSelector('#status[data-state="reconnecting"]');
  }
  const banner = await alice.textContent("#banner-text");
  console.log("banner: " + banner);
  mkdirSync(shotDir, { recursive: true });
  await alice.screenshot({ path: join(shotDir, "reconnecting.png"), fullPage: true });

  step("the server starts again; both pages reconnect by themselves");
  await ask("START", "started");
  for (const p of pages) {
    await p.waitForSelector("#banner", { state: "hidden" });
    await p.waitForSelector('#status[data-state="online"]');
  }
  await waitForPresence(alice, ["alice", "bob"]);
  await waitForPresence(bob, ["alice", "bob"]);
  // chatd keeps history in memory: the pages must notice it is gone
  // rather than drop the new room's messages as already seen.
  for (const p of pages) await p.waitForSelector("#messages li.notice");

  step("they chat again");
  await send(bob, "back after the restart");
  await waitForText(alice, "back after the restart");
  await send(alice, "welcome back");
  await waitForText(bob, "welcome back");
  assertConsecutive("alice after restart", await sequences(alice));
  assertConsecutive("bob after restart", await sequences(bob));
  await alice.screenshot({ path: join(shotDir, "after-restart.png"), fullPage: true });
  await bob.screenshot({ path: join(shotDir, "after-restart-bob.png"), fullPage: true });
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
