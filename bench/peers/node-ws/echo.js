// Node's `ws` as a benchmark peer: every message comes back unchanged, text
// or binary.
//   node echo.js PORT             defaults as a user gets them
//                                 (permessage-deflate is off by default for a ws server)
//   node echo.js PORT --deflate   permessage-deflate on, set up like wirechat --deflate
//   node echo.js PORT --tls CERT KEY   wss:// (an https server under ws), with
//                                 either of the above
'use strict';
const fs = require('fs');
const https = require('https');
const zlib = require('zlib');
const { WebSocketServer } = require('ws');

const args = process.argv.slice(2);
const port = Number(args[0]);
const deflate = args.includes('--deflate');
const tls = args.indexOf('--tls');

// As close to wirechat's choices as ws allows (src/ws/deflate.h,
// src/ws/extension_offer.cpp): always server_no_context_takeover, messages
// under 64 bytes sent as they are, zlib's default level with memLevel 8 and
// 15-bit windows, and the client's window left at what it offers. ws still
// keeps a compressor per connection (reset after each message) where
// wirechat shares one per window size: that difference is what the
// benchmark shows.
const perMessageDeflate = deflate && {
  serverNoContextTakeover: true,
  threshold: 64,
  zlibDeflateOptions: { level: zlib.constants.Z_DEFAULT_COMPRESSION, memLevel: 8 },
};

const listening = () => console.log(`listening on 127.0.0.1:${port}${deflate ? ' (permessage-deflate)' : ''}${tls >= 0 ? ' (tls)' : ''}`);
let server;
if (tls >= 0) {
  const secure = https.createServer({ cert: fs.readFileSync(args[tls + 1]), key: fs.readFileSync(args[tls + 2]) });
  server = new WebSocketServer({ server: secure, perMessageDeflate });
  secure.listen(port, '127.0.0.1', listening);
} else {
  server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate });
  server.on('listening', listening);
}
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
