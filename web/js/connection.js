// The WebSocket to the chat server, kept alive across drops.
//
// Knows envelopes (JSON objects) but hardly what they mean: only that `welcome` is the first
// envelope of every connection and the one that makes it usable. It reconnects with
// exponential backoff plus jitter, so a restarted server is not hit by every browser at the
// same instant. The address is asked for again before every attempt, because it carries where
// the page wants to be back (room, last message it has, nickname), which changes as it chats:
// the server forgets a connection's state when the connection dies.

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 8000;

export class Connection {
  /**
   * @param {() => string} address  the ws:// or wss:// URL to open next (called per attempt)
   * @param {{onState: (state: 'connecting'|'connected'|'reconnecting') => void,
   *          onEnvelope: (envelope: {type: string, payload: any}) => void}} handlers
   */
  constructor(address, handlers) {
    this.address = address;
    this.handlers = handlers;
    this.socket = null;
    this.welcomed = false;  // the current socket has had its welcome
    this.attempt = 0;
    this.everConnected = false;
    this.timer = null;
  }

  start() {
    this.handlers.onState('connecting');
    this.open();
    // A laptop waking up or a phone regaining signal should not wait out a long backoff.
    window.addEventListener('online', () => this.retryNow());
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.retryNow();
    });
  }

  /** True once the server has welcomed this connection, until it drops. */
  get connected() {
    return this.welcomed && this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one envelope now; returns false (and sends nothing) while not connected. */
  send(type, payload) {
    if (!this.connected) return false;
    this.socket.send(JSON.stringify(payload === undefined ? { type } : { type, payload }));
    return true;
  }

  open() {
    this.timer = null;
    const socket = new WebSocket(this.address());
    this.socket = socket;
    this.welcomed = false;
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;  // the chat protocol is text-only
      let envelope;
      try {
        envelope = JSON.parse(event.data);
      } catch {
        return;  // a server bug must not take the page down with it
      }
      if (envelope === null || typeof envelope !== 'object' || typeof envelope.type !== 'string') {
        return;
      }
      const welcome = envelope.type === 'welcome' && !this.welcomed;
      // Only a welcome proves the server can serve us: an upgrade alone does not (a server
      // that lost its store says `unavailable` and closes), so only it ends the backoff.
      if (welcome) {
        this.welcomed = true;
        this.attempt = 0;
        this.everConnected = true;
      }
      this.handlers.onEnvelope(envelope);
      // Told after the welcome is shown, so "connected" never shows the previous room.
      if (welcome) this.handlers.onState('connected');
    });
    // 'error' is always followed by 'close', so reconnecting is handled in one place.
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.welcomed = false;
      this.handlers.onState(this.everConnected ? 'reconnecting' : 'connecting');
      this.schedule();
    });
  }

  schedule() {
    // "Equal jitter": half the exponential delay is fixed, half random. Clients that dropped
    // together spread out, yet nobody retries immediately in a tight loop.
    const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempt);
    this.attempt += 1;
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.timer = setTimeout(() => this.open(), delay);
  }

  /** Opens a new connection now, closing the current one (its address has changed). */
  restart() {
    const old = this.socket;
    this.socket = null;
    this.welcomed = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.attempt = 0;
    if (old !== null) old.close(1000, 'reconnecting');
    this.handlers.onState('connecting');
    this.open();
  }

  retryNow() {
    if (this.timer === null) return;  // connected, or a connection attempt is in flight
    clearTimeout(this.timer);
    this.open();
  }
}
