// Socket.IO 4 as a peer in wirechat's cluster benchmark: the smallest chat
// that does what the benchmark asks of wirechat's, written the way the
// Socket.IO documentation shows it.
//
//   node chat.js PORT                       one process, Socket.IO's in-memory adapter
//   node chat.js PORT redis://127.0.0.1:N   one of several processes sharing rooms
//                                           through @socket.io/redis-adapter (ioredis)
//
// Every client joins one room (?room=NAME in the connection URL, else
// "lobby") and gets a "welcome" event; a "new_message" event with a string
// is sent to the whole room, the sender included, with
// io.to(room).emit("new_message", {room, from, text, ts}). What wirechat
// does besides (ids, history kept in Redis, presence, nicknames, rate
// limits, validation) is not done here: this is the cost of the broadcast
// itself, across processes.
//
// Socket.IO's defaults otherwise: permessage-deflate off (as wirechat's
// default), ping every 25 s. Listens on 127.0.0.1 only.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2]);
const redisUrl = process.argv[3];

function start(adapter) {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { serveClient: false, ...(adapter && { adapter }) });
  let guests = 0;
  io.on('connection', (socket) => {
    const asked = socket.handshake.query.room;
    const room = typeof asked === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(asked) ? asked : 'lobby';
    const nickname = `guest-${process.pid}-${++guests}`;
    socket.join(room);
    socket.emit('welcome', { nickname, room });
    socket.on('new_message', (text) => {
      if (typeof text !== 'string' || text.length === 0) return;
      io.to(room).emit('new_message', { room, from: nickname, text, ts: Date.now() });
    });
  });
  httpServer.listen(port, '127.0.0.1', () =>
    console.log(`socket.io listening on 127.0.0.1:${port}${adapter ? ` (redis adapter, ${redisUrl})` : ''}`));
}

if (redisUrl) {
  const { Redis } = require('ioredis');
  const { createAdapter } = require('@socket.io/redis-adapter');
  const pubClient = new Redis(redisUrl);
  const subClient = pubClient.duplicate();
  let ready = 0;
  for (const client of [pubClient, subClient]) {
    client.on('error', (error) => console.error(`redis: ${error.message}`));
    // Listen only once both connections are up, so that a client that gets
    // in is in the cluster's rooms from its first message.
    client.once('ready', () => { if (++ready === 2) start(createAdapter(pubClient, subClient)); });
  }
} else {
  start(null);
}
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
