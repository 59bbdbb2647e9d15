// End-to-end test of the chat page against a cluster: two wirechat nodes sharing one Redis.
//
//   node cluster.test.mjs <path to wirechat binary> <web dir>
//
// Starts its own redis-server (REDIS_SERVER, default /usr/bin/redis-server) on a free loopback
// port with a temporary directory and no persistence, two nodes with `--redis`, and a "front":
// a few lines of TCP forwarding that stand for the load balancer a real deployment puts in
// front of its nodes, so that a page can come back to another node at the same address.
// Page A talks through the front (to node A at first), page B straight to node B. Everything
// started here is stopped by PID at the end. Every wait is bounded.
//
// What "recovered" looks like from outside: the page's reconnect asks for `since` (the
// WebSocket's URL), the welcome says `recovered: true` with exactly the missed messages (the
// frames the browser received), and the message items shown before the reconnect are still
// the same DOM nodes: nothing was reloaded or shown twice.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { chromium } from 'playwright-core';
import {
  ARTIFACTS, CHROMIUM, labelled, openChat, restartServer, sendMessage, setNickname, shownMessages,
  startServer, stopServer, waitForMessage, waitForOwnName, waitForStatus, waitUntil,
  welcomedSockets,
} from './helpers.mjs';

const [binary, webDir] = process.argv.slice(2);
if (!binary || !webDir) {
  console.error('usage: node cluster.test.mjs <path to wirechat binary> <web dir>');
  process.exit(2);
}
const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
// A node stopped and started again, or a page coming back through the front, goes through the
// page's backoff and maybe a few 503s while the node reaches Redis.
const COMEBACK_WAIT_MS = 20_000;
const log = createWriteStream(path.join(ARTIFACTS, 'cluster.log'));

// ---- Redis -------------------------------------------------------------------------------

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** True once something on `port` answers a Redis PING with PONG. */
function redisAnswers(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let reply = '';
    const done = (answer) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** Our own redis-server: loopback only, a fresh directory, nothing saved. */
async function startRedis() {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'wirechat-redis-'));
    const child = spawn(REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', labelled(log, '[redis]'));
    child.stderr.on('data', labelled(log, '[redis]'));
    let exited = false;
    child.on('exit', () => { exited = true; });
    try {
      await waitUntil(async () => exited || redisAnswers(port), 'redis-server to answer PING');
    } catch (error) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    if (!exited) return { child, port, dir };
    rmSync(dir, { recursive: true, force: true });
    // Someone took the free port in between: try another.
    if (attempt === 3) throw new Error('redis-server exited at start (see tests/artifacts/cluster.log)');
  }
}

// ---- The front: a stand-in for a load balancer ---------------------------------------------

/** Forwards each TCP connection to the node it points at when the connection comes. */
class Front {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.pairs = new Set();  // { client, upstream, halfDropped }
    this.server = net.createServer((client) => this.forward(client));
  }

  async listen() {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = this.server.address().port;
  }

  forward(client) {
    const upstream = net.connect(this.targetPort, '127.0.0.1');
    const pair = { client, upstream, halfDropped: false };
    this.pairs.add(pair);
    const forget = () => {
      if (client.destroyed && upstream.destroyed) this.pairs.delete(pair);
    };
    client.on('close', forget);
    upstream.on('close', forget);
    // A node that is down refuses: the client's connection is dropped, as a balancer would.
    upstream.on('error', () => client.destroy());
    client.on('error', () => {
      if (!pair.halfDropped) upstream.destroy();
    });
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Cuts every connection, as a network failure would (no WebSocket close handshake). */
  dropAll() {
    for (const { client, upstream } of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
  }

  /**
   * Cuts the browsers' side only: the nodes keep connections that are dead, which they have
   * not noticed yet (they would, by ping, after half a minute). Returns what closes those.
   */
  dropClientsOnly() {
    const kept = [];
    for (const pair of this.pairs) {
      pair.halfDropped = true;
      pair.client.destroy();
      kept.push(pair.upstream);
    }
    return () => {
      for (const upstream of kept) upstream.destroy();
    };
  }

  async close() {
    this.dropAll();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

// ---- Nodes -------------------------------------------------------------------------------

/**
 * True if a chat WebSocket upgrade on `port` succeeds now (a node that has not reached Redis
 * yet answers 503). The probe closes its WebSocket properly right away.
 */
function chatUpgrades(port) {
  return new Promise((resolve) => {
    const request = http.request({
      host: '127.0.0.1', port, path: '/',
      headers: {
        Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
      },
    });
    request.setTimeout(1000, () => request.destroy());
    request.on('upgrade', (response, socket) => {
      socket.on('error', () => {});
      socket.setTimeout(1000, () => socket.destroy());
      socket.end(Buffer.from([0x88, 0x80, 0, 0, 0, 0]));  // a masked close frame, no payload
      resolve(true);
    });
    request.on('response', (response) => {
      response.resume();
      resolve(false);
    });
    request.on('error', () => resolve(false));
    request.end();
  });
}

async function waitUntilChatReady(port) {
  await waitUntil(() => chatUpgrades(port), `the node on port ${port} to admit chat connections`,
    COMEBACK_WAIT_MS);
}

// ---- Looking at the pages ----------------------------------------------------------------

/** The ids and texts shown, in page order. */
async function conversation(page) {
  return (await shownMessages(page)).map(({ id, text }) => ({ id: Number(id), text }));
}

/** Every text is shown exactly once, and the ids only grow down the list. */
function assertOnceEachInIdOrder(shown, who) {
  const counts = new Map();
  for (const { text } of shown) counts.set(text, (counts.get(text) ?? 0) + 1);
  const repeated = [...counts].filter(([, count]) => count !== 1);
  assert.deepEqual(repeated, [], `${who} shows these more than once`);
  for (let i = 1; i < shown.length; i += 1) {
    assert.ok(shown[i - 1].id < shown[i].id, `${who}: ids out of order at ${i}`);
  }
}

/** Remembers (in the page, for the test) the message items shown now. */
async function rememberItems(page) {
  return page.evaluate(() => {
    window.itemsBeforeReconnect = [...document.querySelectorAll('[role="log"] li')];
    return window.itemsBeforeReconnect.length;
  });
}

/** Whether the items remembered are still the first items of the list, the same nodes. */
async function sameItemsStillShown(page) {
  return page.evaluate(() => {
    const now = [...document.querySelectorAll('[role="log"] li')];
    return window.itemsBeforeReconnect.every((item, i) => now[i] === item);
  });
}

/** Waits until `page` has had `count` welcomes in all; returns the last. */
async function waitForWelcomes(page, count, timeout = COMEBACK_WAIT_MS) {
  await waitUntil(() => welcomedSockets(page).length >= count, `welcome number ${count}`, timeout);
  return welcomedSockets(page).at(-1);
}

// ---- The scenarios -------------------------------------------------------------------------

test('chat page against two nodes sharing Redis', { timeout: 60_000 }, async (t) => {
  const started = [];  // every process we started, to be stopped by PID whatever happens
  process.on('exit', () => {
    for (const child of started) if (child.exitCode === null) child.kill('SIGKILL');
  });

  const redis = await startRedis();
  started.push(redis.child);
  const nodeOptions = (label) => ({
    binary, webDir, log, label,
    extraArgs: ['--redis', `redis://127.0.0.1:${redis.port}`],
  });
  let nodeA = await startServer(nodeOptions('[node A]'));
  const nodeB = await startServer(nodeOptions('[node B]'));
  started.push(nodeA.child, nodeB.child);
  const front = new Front(nodeA.port);
  await front.listen();

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  t.after(async () => {
    await browser.close();
    await front.close();
    await stopServer(nodeA.child);
    await stopServer(nodeB.child);
    await stopServer(redis.child);
    rmSync(redis.dir, { recursive: true, force: true });
    log.end();
  });

  // A node listens before it has reached Redis; the pages would cope, but start from calm.
  await waitUntilChatReady(nodeA.port);
  await waitUntilChatReady(nodeB.port);
  const ann = await openChat(browser, `http://127.0.0.1:${front.port}/`);  // via the front
  const ben = await openChat(browser, `http://127.0.0.1:${nodeB.port}/`);
  await setNickname(ann, 'ann');
  await setNickname(ben, 'ben');

  /** Ben says each text and waits to see it come back, so that they are stored in order. */
  async function benSays(...texts) {
    for (const text of texts) {
      await sendMessage(ben, text);
      await waitForMessage(ben, text, 'ben');
    }
  }

  /** Both pages show the same conversation, each message once, in id order. */
  async function assertSameConversation() {
    const seenByAnn = await conversation(ann);
    const seenByBen = await conversation(ben);
    assertOnceEachInIdOrder(seenByAnn, 'ann');
    assertOnceEachInIdOrder(seenByBen, 'ben');
    assert.deepEqual(seenByAnn, seenByBen);
    return seenByAnn;
  }

  await t.test('two pages on two nodes see each other, in the same order', async () => {
    // Said at the same time from both nodes: the order is Redis's, the same for everyone.
    for (let round = 1; round <= 3; round += 1) {
      await Promise.all([sendMessage(ann, `ann says ${round}`), sendMessage(ben, `ben says ${round}`)]);
    }
    for (const page of [ann, ben]) {
      for (let round = 1; round <= 3; round += 1) {
        await waitForMessage(page, `ann says ${round}`, 'ann');
        await waitForMessage(page, `ben says ${round}`, 'ben');
      }
    }
    const shown = await assertSameConversation();
    assert.equal(shown.length, 6);
    // Each page marks its own messages as its own.
    const mine = (await shownMessages(ann)).filter(({ own }) => own).map(({ text }) => text);
    assert.deepEqual(mine.sort(), ['ann says 1', 'ann says 2', 'ann says 3']);
  });

  await t.test('a node restart: the page comes back by itself and recovers what it missed', async () => {
    const before = await conversation(ann);
    const itemsBefore = await rememberItems(ann);
    const welcomes = welcomedSockets(ann).length;

    await stopServer(nodeA.child);
    await waitForStatus(ann, 'reconnecting…');
    await benSays('while ann was away 1', 'while ann was away 2', 'while ann was away 3');
    assert.equal(await ann.getByText('while ann was away 1').count(), 0);

    nodeA = await restartServer({ ...nodeOptions('[node A again]'), port: nodeA.port });
    started.push(nodeA.child);
    // No help from here: the page retries by itself (through 503s, if the node has not
    // reached Redis yet).
    const { url: address, welcome } = await waitForWelcomes(ann, welcomes + 1);
    await waitForStatus(ann, 'connected', COMEBACK_WAIT_MS);
    await waitForMessage(ann, 'while ann was away 3', 'ben');
    await waitForOwnName(ann, 'ann', COMEBACK_WAIT_MS);

    const asked = new URL(address).searchParams;
    assert.equal(asked.get('room'), 'lobby');
    assert.equal(asked.get('nickname'), 'ann');
    assert.equal(Number(asked.get('since')), before.at(-1).id);
    assert.equal(welcome.recovered, true);
    assert.deepEqual(welcome.history.map(({ text }) => text),
      ['while ann was away 1', 'while ann was away 2', 'while ann was away 3']);

    const after = await assertSameConversation();
    assert.deepEqual(after.slice(0, before.length), before);
    assert.equal(after.length, before.length + 3);
    assert.ok(itemsBefore > 0 && await sameItemsStillShown(ann),
      'the messages shown before the reconnect were rebuilt');
  });

  await t.test('two reconnects in a row with nothing new bring nothing twice', async () => {
    const before = await assertSameConversation();
    const ownBefore = (await shownMessages(ann)).map(({ own }) => own);
    await rememberItems(ann);

    // 1: the connection fails without a goodbye; the node notices at once.
    let welcomes = welcomedSockets(ann).length;
    front.dropAll();
    let { url: address, welcome } = await waitForWelcomes(ann, welcomes + 1);
    await waitForStatus(ann, 'connected', COMEBACK_WAIT_MS);
    assert.equal(Number(new URL(address).searchParams.get('since')), before.at(-1).id);
    assert.equal(welcome.recovered, true);
    assert.deepEqual(welcome.history, [], 'reconnect 1: the welcome repeated messages');
    await waitForOwnName(ann, 'ann');

    // 2: this time the node has not noticed that the old connection is dead, and it still
    // holds the name: the welcome brings a guest name, the page keeps showing "ann" (its
    // messages stay its own) and claims the name again until the node lets it go.
    welcomes = welcomedSockets(ann).length;
    const letGo = front.dropClientsOnly();
    let socket;
    try {
      socket = await waitForWelcomes(ann, welcomes + 1);
      ({ url: address, welcome } = socket);
      assert.notEqual(welcome.nickname, 'ann');
      assert.equal(Number(new URL(address).searchParams.get('since')), before.at(-1).id);
      assert.equal(welcome.recovered, true);
      assert.deepEqual(welcome.history, [], 'reconnect 2: the welcome repeated messages');
      // A first claim is refused while the old connection lives.
      await waitUntil(() => socket.received.some(({ type, payload }) =>
        type === 'error' && payload?.code === 'bad_nickname'), 'a refused claim of the name');
      assert.equal(await ann.getByLabel('Nickname', { exact: true }).inputValue(), 'ann');
      assert.deepEqual((await shownMessages(ann)).map(({ own }) => own), ownBefore);
    } finally {
      letGo();  // the node finally notices
    }
    // (The people list still shows the old connection's "ann" until then: watch the wire.)
    await waitUntil(() => socket.received.some(({ type, payload }) =>
      type === 'nickname' && payload === 'ann'), 'the name claimed back', COMEBACK_WAIT_MS);
    await waitForOwnName(ann, 'ann');
    assert.equal(await ann.getByRole('alert').isVisible(), false, 'a quiet restore alerted');

    assert.deepEqual(await assertSameConversation(), before);
    assert.deepEqual((await shownMessages(ann)).map(({ own }) => own), ownBefore);
    assert.ok(await sameItemsStillShown(ann), 'the messages shown before were rebuilt');

    // And the conversation goes on normally afterwards.
    await sendMessage(ann, 'still here once');
    await waitForMessage(ben, 'still here once', 'ann');
    await waitForMessage(ann, 'still here once', 'ann');
    await assertSameConversation();
  });

  await t.test('a reconnect that lands on the other node recovers there', async () => {
    const before = await conversation(ann);
    await rememberItems(ann);
    const welcomes = welcomedSockets(ann).length;

    // Node A goes for good; while the front still points at it, nothing gets through.
    await stopServer(nodeA.child);
    await waitForStatus(ann, 'reconnecting…');
    await benSays('said on node B 1', 'said on node B 2');
    // The balancer notices, and sends what comes next to node B.
    front.targetPort = nodeB.port;

    const { url: address, welcome } = await waitForWelcomes(ann, welcomes + 1);
    await waitForStatus(ann, 'connected', COMEBACK_WAIT_MS);
    await waitForMessage(ann, 'said on node B 2', 'ben');
    await waitForOwnName(ann, 'ann', COMEBACK_WAIT_MS);
    assert.equal(Number(new URL(address).searchParams.get('since')), before.at(-1).id);
    assert.equal(welcome.recovered, true);
    assert.deepEqual(welcome.history.map(({ text }) => text), ['said on node B 1', 'said on node B 2']);

    const after = await assertSameConversation();
    assert.deepEqual(after.slice(0, before.length), before);
    assert.equal(after.length, before.length + 2);
    assert.ok(await sameItemsStillShown(ann), 'the messages shown before were rebuilt');

    // Now both on node B.
    await sendMessage(ann, 'hello from node B');
    await waitForMessage(ben, 'hello from node B', 'ann');
    await waitForMessage(ann, 'hello from node B', 'ann');
    await assertSameConversation();
  });

  await t.test('the pages raised no script errors and loaded every resource', () => {
    assert.deepEqual([...ann.errors, ...ben.errors], []);
  });
});
