// Node's `ws` as a peer in wirechat's fan-out benchmark: every message is
// sent to every open client, the sender included, unchanged, text or
// binary, with the loop over wss.clients that ws's README shows for a
// broadcast. Defaults as a user gets them (permessage-deflate off).
//   node fanout.js PORT
'use strict';
const { WebSocket, WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const wss = new WebSocketServer({ host: '127.0.0.1', port });
wss.on('listening', () => console.log(`listening on 127.0.0.1:${port} (ws fanout)`));
wss.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => {
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    }
  });
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
