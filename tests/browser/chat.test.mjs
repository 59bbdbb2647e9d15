// End-to-end test of the chat page: the real server, the real page, headless Chromium.
//
//   node chat.test.mjs <path to wirechat binary> <web dir>
//
// One server, its chat in memory. Starts `<binary> --host 127.0.0.1 --port 0 --web <web dir>`,
// learns the port from its first stdout line, and drives several browser contexts (each one is
// a separate chatter with its own storage) through the scenarios a user would notice breaking.
// Screenshots for a laptop and a phone go to tests/artifacts/ (gitignored) to be looked at by
// a person. Every wait is bounded, so a broken server or page fails the test instead of
// hanging it. The same page against several servers sharing Redis: cluster.test.mjs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, CHROMIUM, LAPTOP, PHONE, RECONNECT_WAIT_MS, WAIT_MS, currentRoom, openChat,
  restartServer, screenshot, sendMessage, setNickname, shownMessages, startServer, stopServer,
  waitForMessage, waitForStatus, welcomedSockets,
} from './helpers.mjs';

const [binary, webDir] = process.argv.slice(2);
if (!binary || !webDir) {
  console.error('usage: node chat.test.mjs <path to wirechat binary> <web dir>');
  process.exit(2);
}
const serverLog = createWriteStream(path.join(ARTIFACTS, 'server.log'));
const serverOptions = { binary, webDir, log: serverLog };

// ---- The scenarios ---------------------------------------------------------------------

test('chat page against the real server', { timeout: 90_000 }, async (t) => {
  let server = await startServer(serverOptions);
  // Even if this process dies mid-test, it must not leave a server behind.
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

  await t.test('the status says connected and the page shows the lobby', async () => {
    assert.equal(await alice.getByRole('status').textContent(), 'connected');
    assert.equal(await currentRoom(alice), 'lobby');
    assert.equal(await alice.title(), '#lobby · wirechat');
  });

  await t.test('two people set nicknames and talk both ways', async () => {
    await setNickname(alice, 'alice');
    await setNickname(bob, 'bob');
    await sendMessage(alice, 'hello from alice');
    await waitForMessage(bob, 'hello from alice', 'alice');
    await waitForMessage(alice, 'hello from alice', 'alice');
    await sendMessage(bob, 'hi alice, bob here');
    await waitForMessage(alice, 'hi alice, bob here', 'bob');

    const seenByAlice = await shownMessages(alice);
    assert.deepEqual(seenByAlice.map(({ from, text, own }) => ({ from, text, own })), [
      { from: 'alice', text: 'hello from alice', own: true },
      { from: 'bob', text: 'hi alice, bob here', own: false },
    ]);
    const seenByBob = await shownMessages(bob);
    assert.deepEqual(seenByBob.map(({ own }) => own), [false, true]);
    // The field empties once the server has confirmed the message, not before.
    assert.equal(await alice.getByLabel('Message', { exact: true }).inputValue(), '');
    // Both are listed as present in the lobby.
    await bob.waitForFunction(() => document.getElementById('user-count').textContent === '2',
      null, { timeout: WAIT_MS });
    const people = await bob.locator('#user-list li').allTextContents();
    assert.ok(people.some((name) => name.startsWith('alice')), `people: ${people}`);
  });

  await t.test('markup in a message is shown as text and runs nothing', async () => {
    const xss = '<img src=x onerror=alert(1)>';
    await sendMessage(alice, xss);
    await waitForMessage(bob, xss, 'alice');
    await waitForMessage(alice, xss, 'alice');
    await bob.getByText(xss, { exact: true }).waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.equal(await bob.locator('[role="log"] img').count(), 0);
    assert.equal(await alice.locator('[role="log"] img').count(), 0);
    // Give a broken image's onerror time to fire if the markup had been parsed.
    await bob.waitForTimeout(300);
    assert.deepEqual([...alice.dialogs, ...bob.dialogs], []);
  });

  await t.test('a refused message shows an alert and keeps the typed text', async () => {
    const tooLong = 'x'.repeat(2001);
    await sendMessage(alice, tooLong);
    const alert = alice.getByRole('alert');
    await alert.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await alert.textContent(), /Message refused/);
    await screenshot(alice, 'laptop-refused');
    assert.equal(await alice.getByLabel('Message', { exact: true }).inputValue(), tooLong);
    assert.ok((await shownMessages(alice)).every(({ text }) => text !== tooLong));
    await alice.getByRole('button', { name: 'Dismiss' }).click();
    await alert.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await alice.getByLabel('Message', { exact: true }).fill('');
  });

  await t.test('a room keeps its messages to itself', async () => {
    await bob.getByLabel('Room', { exact: true }).fill('dev');
    await bob.getByLabel('Room', { exact: true }).press('Enter');
    await bob.waitForFunction(() => document.getElementById('room-name').textContent === 'dev',
      null, { timeout: WAIT_MS });
    // The lobby's conversation is gone from bob's screen: a new room starts empty.
    assert.deepEqual(await shownMessages(bob), []);
    await sendMessage(bob, 'only for dev');
    await waitForMessage(bob, 'only for dev', 'bob');
    await sendMessage(alice, 'lobby only');
    await waitForMessage(alice, 'lobby only', 'alice');
    assert.ok((await shownMessages(alice)).every(({ text }) => text !== 'only for dev'));
    assert.ok((await shownMessages(bob)).every(({ text }) => text !== 'lobby only'));
    // The room list (pushed by the server when counts change) shows dev with one person.
    await alice.locator('#room-list button', { hasText: '# dev' })
      .filter({ hasText: /^# dev1$/ }).waitFor({ timeout: WAIT_MS });
  });

  await t.test('a reload shows the history once, with nickname and room restored', async () => {
    const before = await shownMessages(alice);
    await alice.reload();
    await waitForStatus(alice, 'connected');
    await alice.locator('#user-list li.me', { hasText: 'alice' }).waitFor({ timeout: WAIT_MS });
    await waitForMessage(alice, 'lobby only', 'alice');
    // The reloaded page has no message yet, so it asks for its room and name, not for `since`;
    // one welcome brings everything back. Give a stray second copy time to show up.
    const { url: address } = welcomedSockets(alice).at(-1);
    const asked = new URL(address).searchParams;
    assert.deepEqual([...asked.keys()].sort(), ['nickname', 'room']);
    assert.equal(asked.get('nickname'), 'alice');
    assert.equal(asked.get('room'), 'lobby');
    await alice.waitForTimeout(500);
    const after = await shownMessages(alice);
    assert.deepEqual(after.map(({ id }) => id), before.map(({ id }) => id));
    assert.equal(new Set(after.map(({ id }) => id)).size, after.length);
    assert.deepEqual(after.map(({ own }) => own), before.map(({ own }) => own));

    // bob was dev's only member: the room (and its history) may be gone by the time his new
    // connection re-joins it, so only the room and the name are checked here.
    await bob.reload();
    await waitForStatus(bob, 'connected');
    await bob.locator('#user-list li.me', { hasText: 'bob' }).waitFor();
    await bob.waitForFunction(() => document.getElementById('room-name').textContent === 'dev');
    assert.ok((await shownMessages(bob)).every(({ text }) => text !== 'lobby only'));
  });

  await t.test('screenshots: laptop and phone, light and dark', async () => {
    await bob.getByRole('button', { name: /# lobby/ }).click();
    await bob.waitForFunction(() => document.getElementById('room-name').textContent === 'lobby',
      null, { timeout: WAIT_MS });
    await sendMessage(bob, 'Back in the lobby. The dev room is quiet today.\nTwo lines, kept as sent.');
    await waitForMessage(alice, 'Back in the lobby. The dev room is quiet today.\nTwo lines, kept as sent.', 'bob');
    await sendMessage(alice, 'Welcome back! Looks good on a phone too?');
    await waitForMessage(bob, 'Welcome back! Looks good on a phone too?', 'alice');
    await screenshot(alice, 'laptop-light');

    const dark = await openChat(browser, url, LAPTOP, 'dark');
    await setNickname(dark, 'dora');
    await screenshot(dark, 'laptop-dark');

    const phone = await openChat(browser, url, PHONE);
    // On a phone the nickname field lives in the drawer behind the menu button.
    const toggle = phone.getByRole('button', { name: 'Rooms and people' });
    assert.equal(await phone.getByLabel('Nickname', { exact: true }).isVisible(), false);
    await toggle.click();
    await setNickname(phone, 'carol');
    await phone.locator('#room-list').waitFor({ state: 'visible' });
    await screenshot(phone, 'phone-drawer');
    await toggle.click();
    await sendMessage(phone, 'Typing from my phone, ça marche');
    await waitForMessage(phone, 'Typing from my phone, ça marche', 'carol');
    await screenshot(phone, 'phone-light');
    await phone.emulateMedia({ colorScheme: 'dark' });
    await screenshot(phone, 'phone-dark');
    await dark.context().close();
    await phone.context().close();
  });

  await t.test('a server restart: reconnecting…, then connected with the nickname back', async () => {
    const { port } = server;
    await stopServer(server.child);
    await waitForStatus(alice, 'reconnecting…');
    await waitForStatus(bob, 'reconnecting…');
    // Offline: sending is disabled with a visible hint, and typed text is kept.
    await alice.getByLabel('Message', { exact: true }).fill('typed while offline');
    assert.equal(await alice.getByRole('button', { name: 'Send' }).isDisabled(), true);
    await alice.locator('#offline-hint').waitFor({ state: 'visible', timeout: WAIT_MS });
    await alice.getByLabel('Message', { exact: true }).press('Enter');
    assert.equal(await alice.getByLabel('Message', { exact: true }).inputValue(), 'typed while offline');
    await screenshot(alice, 'laptop-reconnecting');

    server = await restartServer({ ...serverOptions, port });
    await waitForStatus(alice, 'connected', RECONNECT_WAIT_MS);
    await waitForStatus(bob, 'connected', RECONNECT_WAIT_MS);
    await alice.locator('#user-list li.me', { hasText: 'alice' }).waitFor({ timeout: WAIT_MS });
    assert.equal(await alice.getByLabel('Nickname', { exact: true }).inputValue(), 'alice');
    assert.equal(await alice.getByLabel('Message', { exact: true }).inputValue(), 'typed while offline');
    assert.equal(await alice.locator('#offline-hint').isVisible(), false);
    // A server without Redis forgets its messages when it restarts. The page asked to go on
    // from its newest message; the server cannot vouch for that (recovered false) and sends
    // what it has, nothing: the page shows that, not a conversation nobody else has.
    const { url: address, welcome } = welcomedSockets(alice).at(-1);
    assert.match(address, /[?&]since=\d+(&|$)/);
    assert.equal(welcome.recovered, false);
    assert.deepEqual(await shownMessages(alice), []);

    await bob.locator('#user-list li.me', { hasText: 'bob' }).waitFor({ timeout: WAIT_MS });
    await alice.getByRole('button', { name: 'Send' }).click();
    await waitForMessage(bob, 'typed while offline', 'alice');
    await waitForMessage(alice, 'typed while offline', 'alice');
    assert.equal(await alice.getByLabel('Message', { exact: true }).inputValue(), '');
  });

  await t.test('the page raised no script errors and loaded every resource', () => {
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });
});
