// The WebSocket to the chat server, kept alive across drops.
//
// Knows envelopes (JSON objects) but not what they mean. It reconnects with exponential
// backoff plus jitter, so a restarted server is not hit by every browser at the same instant,
// and it re-sends the "sticky" envelopes (our confirmed nickname and room) after each
// reconnect: the server forgets a connection's state when the connection dies.

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 8000;

export class Connection {
  /**
   * @param {string} url  ws:// or wss:// address of the chat endpoint
   * @param {{onState: (state: 'connecting'|'connected'|'reconnecting') => void,
   *          onEnvelope: (envelope: {type: string, payload: any}) => void}} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    this.socket = null;
    this.attempt = 0;
    this.everConnected = false;
    this.timer = null;
    // type -> payload; Map keeps insertion order, so the nickname is restored before the room
    // and the messages a user sends after reconnecting carry the restored name.
    this.sticky = new Map();
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

  get connected() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Sends one envelope now; returns false (and sends nothing) while disconnected. */
  send(type, payload) {
    if (!this.connected) return false;
    this.socket.send(JSON.stringify(payload === undefined ? { type } : { type, payload }));
    return true;
  }

  /** Remembers an envelope to replay after every reconnect (the latest per type wins). */
  remember(type, payload) {
    this.sticky.delete(type);
    this.sticky.set(type, payload);
  }

  /** The payload remembered for `type`, or undefined. */
  remembered(type) {
    return this.sticky.get(type);
  }

  open() {
    this.timer = null;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.addEventListener('open', () => {
      this.attempt = 0;
      this.everConnected = true;
      for (const [type, payload] of this.sticky) this.send(type, payload);
      this.handlers.onState('connected');
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;  // the chat protocol is text-only
      let envelope;
      try {
        envelope = JSON.parse(event.data);
      } catch {
        return;  // a server bug must not take the page down with it
      }
      if (envelope !== null && typeof envelope === 'object' && typeof envelope.type === 'string') {
        this.handlers.onEnvelope(envelope);
      }
    });
    // 'error' is always followed by 'close', so reconnecting is handled in one place.
    socket.addEventListener('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
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

  retryNow() {
    if (this.timer === null) return;  // connected, or a connection attempt is in flight
    clearTimeout(this.timer);
    this.open();
  }
}
