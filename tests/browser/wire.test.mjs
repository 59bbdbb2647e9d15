// The wire, live in the browser: the chat page's "Show the wire" panel and the full-page view
// (/inspect) against the real server.
//
//   node wire.test.mjs <path to wirechat binary> <web dir>
//
// Screenshots of the panel at laptop and phone width go to tests/artifacts/ (gitignored).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, CHROMIUM, PHONE, WAIT_MS, openChat, screenshot, sendMessage, startServer, stopServer,
  waitForMessage, waitUntil, welcomedSockets,
} from './helpers.mjs';

const [binary, webDir] = process.argv.slice(2);
if (!binary || !webDir) {
  console.error('usage: node wire.test.mjs <path to wirechat binary> <web dir>');
  process.exit(2);
}
const serverLog = createWriteStream(path.join(ARTIFACTS, 'wire-server.log'));

/** The events the panel (or page) shows, as the data its items carry and their text. */
function shownEvents(page) {
  return page.$$eval('#wire-events > li', (items) => items.map((item) => ({
    event: item.dataset.event, dir: item.dataset.dir ?? null, text: item.textContent,
  })));
}

/** The inspect token of the page's current chat connection. */
function inspectToken(page) {
  return welcomedSockets(page).filter(({ welcome }) => typeof welcome.inspect === 'string').at(-1).welcome.inspect;
}

async function openWire(page) {
  // On a phone the button is in the drawer.
  const drawer = page.getByRole('button', { name: 'Rooms and people' });
  if (await drawer.isVisible()) await drawer.click();
  await page.getByRole('button', { name: 'Show the wire' }).click();
  await page.waitForFunction(() => document.getElementById('wire-status').textContent.startsWith('live'),
    null, { timeout: WAIT_MS });
}

/** Expands the last event of `kind` whose summary matches `pattern`; returns its details. */
async function expand(page, kind, pattern) {
  const item = page.locator(`#wire-events > li[data-event="${kind}"]`, { hasText: pattern }).last();
  await item.getByRole('button').click();
  const details = item.locator('.wire-details');
  await details.waitFor({ state: 'visible', timeout: WAIT_MS });
  return details;
}

test('the wire panel shows the server\'s view of the page\'s own connection', { timeout: 90_000 }, async (t) => {
  // The flood below opens many connections from 127.0.0.1 at once.
  const server = await startServer({ binary, webDir, log: serverLog,
    extraArgs: ['--max-connections-per-ip', '0', '--handshake-rate', '0'] });
  process.on('exit', () => server.child.kill('SIGKILL'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(async () => {
    await browser.close();
    await stopServer(server.child);
    serverLog.end();
  });
  const url = `http://127.0.0.1:${server.port}/`;
  const alice = await openChat(browser, url);
  const bob = await openChat(browser, url);

  await t.test('showing the wire reconnects the chat as inspectable and streams its upgrade', async () => {
    await openWire(alice);
    const last = welcomedSockets(alice).at(-1);
    assert.match(last.url, /[?&]inspect=1/);
    assert.match(last.welcome.inspect, /^[0-9a-f]{32}$/);  // 128 bits
    const events = await shownEvents(alice);
    const request = events.find((e) => e.event === 'head' && e.dir === 'in');
    assert.ok(request, 'the upgrade request');
    assert.match(request.text, /GET \/\?.*inspect=1.* HTTP\/1\.1/);
    assert.ok(events.some((e) => e.event === 'head' && e.dir === 'out' && /101 Switching Protocols/.test(e.text)));
  });

  await t.test('the accept computation matches the response head', async () => {
    const accept = await expand(alice, 'accept', 'Sec-WebSocket-Accept');
    const steps = await accept.locator('dd').allTextContents();
    assert.equal(steps.length, 5);
    assert.equal(steps[1], '258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    assert.equal(steps[2], steps[0] + steps[1]);
    assert.match(steps[3], /^[0-9a-f]{40}$/);
    const response = await expand(alice, 'head', '101 Switching Protocols');
    const head = await response.locator('pre').textContent();
    assert.ok(head.includes(`Sec-WebSocket-Accept: ${steps[4]}`), `the 101 says ${head}`);
    // And it is the value for the key the request carried.
    const request = await expand(alice, 'head', 'request head');
    assert.ok((await request.locator('pre').textContent()).includes(`Sec-WebSocket-Key: ${steps[0]}`));
  });

  await t.test('a message sent shows as a masked text frame with its length and unmasked text', async () => {
    await sendMessage(alice, 'hello, wire');
    await waitForMessage(alice, 'hello, wire', null);
    const sent = JSON.stringify({ type: 'new_message', payload: 'hello, wire' });
    await waitUntil(async () => (await shownEvents(alice)).some((e) => e.event === 'frame' && e.dir === 'in'
      && e.text.includes(`${sent.length} bytes`)), 'the frame in the panel');
    const frame = await expand(alice, 'frame', `${sent.length} bytes (7-bit length), FIN, masked`);
    const bits = await frame.locator('.wire-bit-values td').allTextContents();
    assert.equal(bits.length, 16);
    assert.equal(bits[0], '1');  // FIN
    assert.deepEqual(bits.slice(4, 8), ['0', '0', '0', '1']);  // opcode 1: text
    assert.equal(bits[8], '1');  // MASK: a client's frames are masked
    assert.equal(parseInt(bits.slice(9).join(''), 2), sent.length);  // 7-bit length
    const terms = await frame.locator('dt').allTextContents();
    const values = await frame.locator('dd').allTextContents();
    const value = (term) => values[terms.findIndex((x) => x.startsWith(term))];
    assert.equal(value('As text'), sent);
    assert.match(value('Masking key'), /^([0-9a-f]{2} ){3}[0-9a-f]{2}$/);
    // Unmasking by hand gives the payload as read.
    const key = value('Masking key').split(' ').map((h) => parseInt(h, 16));
    const wire = value('Payload as sent').split(' ').map((h) => parseInt(h, 16));
    const read = wire.map((b, i) => b ^ key[i % 4]);
    assert.equal(Buffer.from(read).toString(), sent);
    // Links to the RFC and the source that read it.
    assert.ok(await frame.getByRole('link', { name: /RFC 6455 section 5.2/ }).count() === 1);
    assert.match(await frame.locator('.wire-refs').textContent(), /src\/ws\/frame_parser\.cpp/);
    // Bob's message comes to alice as an unmasked frame from the server.
    const before = (await shownEvents(alice)).length;
    await sendMessage(bob, 'from bob');
    await waitForMessage(alice, 'from bob', null);
    await waitUntil(async () => (await shownEvents(alice)).slice(before).some((e) => e.event === 'frame'
      && e.dir === 'out' && e.text.includes('new_message')), 'bob\'s message, to alice');
    const relayed = await expand(alice, 'frame', 'to you');
    assert.equal(await relayed.locator('.wire-bit-values td').nth(8).textContent(), '0');  // not masked
    assert.match(await relayed.locator('dd').allTextContents().then((v) => v.join(' ')), /"text":"from bob"/);
  });

  await t.test('screenshots: laptop and phone', async () => {
    await screenshot(alice, 'wire-laptop');
    const phone = await openChat(browser, url, PHONE);
    await openWire(phone);
    await sendMessage(phone, 'on a phone');
    await waitUntil(async () => (await shownEvents(phone)).some((e) => e.text.includes('on a phone')), 'phone frame');
    await screenshot(phone, 'wire-phone');
    // The panel fits: nothing sticks out sideways.
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${overflow}px wider than the screen`);
    await phone.context().close();
  });

  await t.test('the full page takes over, with what was kept, and says how many were not', async () => {
    const token = inspectToken(alice);
    // Enough traffic on alice's connection that not all of it is kept for a newcomer.
    await alice.evaluate(async () => {
      const sockets = [];
      for (let i = 0; i < 30; i += 1) {
        const s = new WebSocket(`ws://${location.host}/`);
        sockets.push(new Promise((resolve) => {
          s.onopen = () => {
            // 20: the chat's burst per client.
            for (let j = 0; j < 20; j += 1) s.send(JSON.stringify({ type: 'new_message', payload: 'x'.repeat(1500) }));
            setTimeout(() => { s.close(); resolve(); }, 500);
          };
        }));
      }
      await Promise.all(sockets);
    });
    const full = await alice.context().newPage();
    await full.goto(`${url}inspect#token=${token}`);
    await full.waitForFunction(() => /skipped/.test(document.getElementById('wire-status').textContent),
      null, { timeout: WAIT_MS });
    const events = await shownEvents(full);
    assert.equal(events[0].event, 'head');  // from the very start
    assert.ok(events.some((e) => e.event === 'skipped'));
    await alice.waitForFunction(() => /another inspector took over/.test(document.getElementById('wire-status').textContent),
      null, { timeout: WAIT_MS });
    await full.close();
  });

  await t.test('a made-up token, or one whose connection closed, gets nothing', async () => {
    const page = await alice.context().newPage();
    await page.goto(`${url}inspect#token=${'0'.repeat(32)}`);
    await page.waitForFunction(() => /no connection of yours/.test(document.getElementById('wire-status').textContent),
      null, { timeout: WAIT_MS });
    assert.equal(await page.locator('#wire-events > li').count(), 0);
    const old = inspectToken(alice);
    await alice.getByRole('button', { name: 'Hide the wire' }).click();  // a new, uninspected connection
    await page.goto(`${url}inspect#token=${old}`);
    await page.reload();
    await page.waitForFunction(() => /no connection of yours/.test(document.getElementById('wire-status').textContent),
      null, { timeout: WAIT_MS });
    assert.equal(await page.locator('#wire-events > li').count(), 0);
    await page.close();
  });

  await t.test('no script errors', () => {
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });
});
