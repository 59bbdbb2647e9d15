// Turns the server's `error` envelopes into sentences for people.
//
// The server's payload says what was wrong ("message is longer than 2000 characters"); the
// code says which of our requests it was about, which the sentence should say first.

const PREFIX_BY_CODE = {
  bad_message: 'Message refused',
  too_large: 'Message refused',
  bad_nickname: 'Nickname refused',
  bad_room: 'Room refused',
  rate_limited: 'Slow down',
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
