// The page with signed identities: a server started with --auth-secret-file, and people
// linked into the chat with #token=... (as a backend that signed them in would link them).
//
//   node auth.test.mjs <path to wirechat binary> <web dir>
//
// Tokens are minted with wirechat-cli (next to the server binary), as a shell backend would.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, CHROMIUM, WAIT_MS, currentRoom, openChat, sendMessage, sleep, startServer, stopServer,
  waitForMessage, waitForOwnName, waitForStatus, welcomedSockets,
} from './helpers.mjs';

const [binary, webDir] = process.argv.slice(2);
if (!binary || !webDir) {
  console.error('usage: node auth.test.mjs <path to wirechat binary> <web dir>');
  process.exit(2);
}
const cli = path.join(path.dirname(binary), 'wirechat-cli');
const serverLog = createWriteStream(path.join(ARTIFACTS, 'auth-server.log'));

test('the page links a signed-in user straight into the chat', { timeout: 60_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wirechat-auth-'));
  const secretFile = path.join(dir, 'secret');
  writeFileSync(secretFile, 'a browser-test secret of more than thirty-two bytes\n');
  const mint = (sub, ...rest) => execFileSync(cli,
    ['token', '--sub', sub, '--ttl', '10m', '--secret-file', secretFile, ...rest]).toString().trim();

  const server = await startServer({ binary, webDir, log: serverLog,
    extraArgs: ['--auth-secret-file', secretFile] });
  process.on('exit', () => server.child.kill('SIGKILL'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(async () => {
    await browser.close();
    await stopServer(server.child);
    serverLog.end();
    rmSync(dir, { recursive: true, force: true });
  });
  const base = `http://127.0.0.1:${server.port}/`;

  const alice = await openChat(browser, `${base}#token=${mint('alice')}`);
  const bob = await openChat(browser, `${base}#token=${mint('bob', '--rooms', 'lobby')}`);

  await t.test('each is welcomed under the token\'s name, which the page shows and cannot change', async () => {
    await waitForOwnName(alice, 'alice');
    await waitForOwnName(bob, 'bob');
    assert.equal(welcomedSockets(alice)[0].welcome.nickname, 'alice');
    const field = alice.getByLabel('Nickname', { exact: true });
    assert.equal(await field.inputValue(), 'alice');
    assert.equal(await field.getAttribute('readonly'), '');
    assert.match(await alice.locator('#nickname-signed').textContent(), /Signed in/);
    assert.equal(await alice.locator('#nickname-form button').isVisible(), false);
  });

  await t.test('the token leaves the address bar but is used for the connection', async () => {
    assert.equal(new URL(alice.url()).hash, '');
    assert.match(welcomedSockets(alice)[0].url, /[?&]token=/);
    assert.doesNotMatch(welcomedSockets(alice)[0].url, /nickname=/);
  });

  await t.test('they talk, each message under its signed name', async () => {
    await sendMessage(alice, 'hello, signed');
    await waitForMessage(bob, 'hello, signed', 'alice');
    await sendMessage(bob, 'hi alice');
    await waitForMessage(alice, 'hi alice', 'bob');
  });

  await t.test('a room outside the token\'s rooms is refused with an alert, and bob stays', async () => {
    await bob.getByLabel('Room', { exact: true }).fill('dev');
    await bob.getByLabel('Room', { exact: true }).press('Enter');
    const alert = bob.getByRole('alert');
    await alert.waitFor({ state: 'visible', timeout: WAIT_MS });
    assert.match(await alert.textContent(), /Not allowed: your token does not let you into that room/);
    assert.equal(await currentRoom(bob), 'lobby');
  });

  await t.test('a reload keeps the identity (for this tab)', async () => {
    await alice.reload();
    await waitForStatus(alice, 'connected');
    await waitForOwnName(alice, 'alice');
    assert.equal(welcomedSockets(alice).at(-1).welcome.nickname, 'alice');
  });

  await t.test('without a token the page is not let in', async () => {
    const stranger = await browser.newPage();
    const sockets = [];
    stranger.on('websocket', (socket) => sockets.push(socket.url()));
    await stranger.goto(base);
    await sleep(1500);
    assert.notEqual(await stranger.getByRole('status').textContent(), 'connected');
    assert.ok(sockets.length >= 1, 'the page tried');
    await stranger.close();
  });

  await t.test('the pages raised no script errors', () => {
    assert.deepEqual([...alice.errors, ...bob.errors], []);
  });
});
