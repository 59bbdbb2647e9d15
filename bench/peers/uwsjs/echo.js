// uWebSockets.js as a benchmark peer: every message comes back unchanged,
// text or binary.
//   node echo.js PORT
'use strict';
const { uWS, behavior, listen } = require('./settings');

const port = Number(process.argv[2]);
const app = uWS.App().ws('/*', {
  ...behavior,
  message: (ws, message, isBinary) => { ws.send(message, isBinary); },
});
listen(app, port, 'echo');
