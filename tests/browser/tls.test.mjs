// The chat page over https:// and wss:// in headless Chromium: the real server started with a
// certificate from scripts/dev-cert.sh, which the browser contexts accept as a self-signed one
// (the test's stand-in for a person clicking through the warning once).
//
//   node tls.test.mjs <path to wirechat binary> <web dir>

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, CHROMIUM, LAPTOP, openChat, sendMessage, setNickname, startServer, stopServer,
  waitForMessage,
} from './helpers.mjs';

const [binary, webDir] = process.argv.slice(2);
if (!binary || !webDir) {
  console.error('usage: node tls.test.mjs <path to wirechat binary> <web dir>');
  process.exit(2);
}
const here = path.dirname(fileURLToPath(import.meta.url));
const certDir = mkdtempSync(path.join(os.tmpdir(), 'wirechat-browser-cert-'));
execFileSync(path.join(here, '..', '..', 'scripts', 'dev-cert.sh'), [certDir], { stdio: 'ignore' });
const serverLog = createWriteStream(path.join(ARTIFACTS, 'server-tls.log'));
const accepting = { ignoreHTTPSErrors: true };

test('chat page over https and wss', { timeout: 60_000 }, async (t) => {
  const server = await startServer({
    binary, webDir, log: serverLog,
    extraArgs: ['--tls-cert', path.join(certDir, 'cert.pem'), '--tls-key', path.join(certDir, 'key.pem')],
  });
  process.on('exit', () => server.child.kill('SIGKILL'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(async () => {
    await browser.close();
    await stopServer(server.child);
    serverLog.end();
    rmSync(certDir, { recursive: true, force: true });
  });
  const url = `https://localhost:${server.port}/`;

  await t.test('a browser that does not accept the certificate gets no page', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await assert.rejects(page.goto(url), /ERR_CERT_AUTHORITY_INVALID/);
    await context.close();
  });

  const alice = await openChat(browser, url, LAPTOP, 'light', accepting);
  const bob = await openChat(browser, url, LAPTOP, 'light', accepting);

  await t.test('the page opens its chat socket with wss://', async () => {
    assert.equal(alice.sockets.length, 1);
    assert.equal(alice.sockets[0].url, `wss://localhost:${server.port}/`);
    assert.notEqual(alice.sockets[0].welcome, null);
  });

  await t.test('two people talk over TLS', async () => {
    await setNickname(alice, 'alice');
    await setNickname(bob, 'bob');
    await sendMessage(alice, 'hello over tls');
    await waitForMessage(bob, 'hello over tls', 'alice');
    await sendMessage(bob, 'and back');
    await waitForMessage(alice, 'and back', 'bob');
  });

  await t.test('nothing failed to load and no script failed', async () => {
    assert.deepEqual(alice.errors, []);
    assert.deepEqual(bob.errors, []);
  });
});
