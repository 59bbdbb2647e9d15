// Node's `ws` as a benchmark peer: every message comes back unchanged, text
// or binary.
//   node echo.js PORT             defaults as a user gets them
//                                 (permessage-deflate is off by default for a ws server)
//   node echo.js PORT --deflate   permessage-deflate on, set up like wirechat --deflate
'use strict';
const zlib = require('zlib');
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2]);
const deflate = process.argv[3] === '--deflate';

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

const server = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate });
server.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
});
server.on('listening', () => console.log(`listening on 127.0.0.1:${port}${deflate ? ' (permessage-deflate)' : ''}`));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
