// What echo.js and fanout.js share: the library, loaded as the benchmark's
// probe loads it, and the WebSocket settings. Settings are the library's
// defaults where they suit the benchmark (compression off, pings sent
// automatically), as in the C++ peer (bench/peers/uws/uws_peer.cpp):
// messages up to 16 MiB (default 16 KiB), idleTimeout at its maximum, 960 s
// (default 120 s), and 64 MiB of backpressure per connection (default
// 64 KiB, which would drop messages of a fan-out burst) without closing the
// connection when it is reached.
'use strict';
const uWS = require('@btc-vision/uwebsockets.js');

const behavior = {
  compression: uWS.DISABLED,
  maxPayloadLength: 16 * 1024 * 1024,
  idleTimeout: 960,
  maxBackpressure: 64 * 1024 * 1024,
  closeOnBackpressureLimit: false,
  sendPingsAutomatically: true,
};

// listen(app, port, mode): 127.0.0.1 only; says so once listening.
function listen(app, port, mode) {
  app.listen('127.0.0.1', port, (token) => {
    if (!token) {
      console.error(`uwsjs: cannot listen on 127.0.0.1:${port}`);
      process.exit(1);
    }
    console.log(`listening on 127.0.0.1:${port} (uWebSockets.js ${mode})`);
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
}

module.exports = { uWS, behavior, listen };
