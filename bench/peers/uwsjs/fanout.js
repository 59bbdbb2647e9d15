// uWebSockets.js as a peer in wirechat's fan-out benchmark: every socket
// subscribes to one topic ("room") when it opens, and every message is
// published to it with the library's own pub/sub, so that every subscriber,
// the sender included, gets it once, unchanged, text or binary.
//   node fanout.js PORT
'use strict';
const { uWS, behavior, listen } = require('./settings');

const port = Number(process.argv[2]);
const app = uWS.App().ws('/*', {
  ...behavior,
  open: (ws) => { ws.subscribe('room'); },
  message: (ws, message, isBinary) => { app.publish('room', message, isBinary); },
});
listen(app, port, 'fanout');
