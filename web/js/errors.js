// Turns what the server refused or changed on its own into sentences for people.
//
// The server's payload says what was wrong ("message is longer than 2000 characters"); the
// code says which of our requests it was about, which the sentence should say first.

const PREFIX_BY_CODE = {
  bad_message: 'Message refused',
  too_large: 'Message refused',
  bad_nickname: 'Nickname refused',
  bad_room: 'Room refused',
  rate_limited: 'Slow down',
  // Only the page's own reconnect asks for missed messages; what it shows instead is the
  // room's latest messages, so the user should know some may be missing in between.
  bad_since: 'Could not catch up on missed messages, showing the latest instead',
  unavailable: 'The chat is briefly unavailable',
  forbidden: 'Not allowed',
};

/** @param {{code?: unknown, message?: unknown}} payload  the `error` envelope's payload */
export function describeError(payload) {
  const code = typeof payload?.code === 'string' ? payload.code : 'unknown';
  const detail = typeof payload?.message === 'string' && payload.message !== ''
    ? payload.message
    : code.replaceAll('_', ' ');
  const prefix = PREFIX_BY_CODE[code] ?? 'The server refused a request';
  return `${prefix}: ${detail}`;
}

/**
 * A `renamed` (unasked): after the servers lost their store for a while, someone on another
 * server had taken our name, and we were given another one.
 */
export function describeRenamed(from, to) {
  return from === ''
    ? `You are now ${to}.`
    : `Your nickname ${from} was taken by someone else while the chat was out of reach: you are now ${to}.`;
}
