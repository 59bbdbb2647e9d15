// The wire, as the server sees it: the events of one's own chat connection (its upgrade, the
// Sec-WebSocket-Accept computation, every frame both ways, the close), streamed by the server
// over a second WebSocket to /inspect (docs/protocol.md, "Inspecting your own connection"),
// shown as a list. Activating an event shows its details: for a frame, its first two header
// bytes bit by bit as RFC 6455 section 5.2 draws them, and its bytes as sent and as read.
//
// Used by the chat page's panel and by the full-page view (/inspect). Nothing here is a live
// region: a frame-by-frame commentary would drown a screen reader. The status line says how
// many events there are, at most once a second.

const RFC_6455 = 'https://www.rfc-editor.org/rfc/rfc6455';
const RFC_7692 = 'https://www.rfc-editor.org/rfc/rfc7692';
const MAX_EVENTS = 2000;      // shown; older ones leave the list
const STATUS_EVERY_MS = 1000;
// Close codes of the inspector endpoint (docs/protocol.md).
const NO_SUCH_CONNECTION = 4404;

export class WirePanel {
  /**
   * @param {{list: HTMLOListElement, status: HTMLElement}} elements
   */
  constructor({ list, status }) {
    this.list = list;
    this.status = status;
    this.socket = null;
    this.count = 0;
    this.skipped = 0;
    this.statusTimer = null;
    this.statusDirty = false;
    this.state = 'waiting for the connection…';
    this.showStatus();
  }

  /** Streams the connection whose welcome carried `token` (replacing any earlier one). */
  attach(token) {
    this.detach();
    this.clear();
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}/inspect?token=${encodeURIComponent(token)}`);
    this.socket = socket;
    this.state = 'connecting…';
    this.showStatus(true);
    socket.addEventListener('open', () => {
      this.state = 'live';
      this.showStatus(true);
    });
    socket.addEventListener('message', (event) => {
      if (typeof event.data !== 'string') return;
      let parsed;
      try {
        parsed = JSON.parse(event.data);
      } catch {
        return;
      }
      this.add(parsed);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.state = event.code === NO_SUCH_CONNECTION
        ? 'no connection of yours has this token (it closed, or the link is not yours)'
        : `ended: ${event.reason || 'the inspector connection closed'}`;
      this.showStatus(true);
    });
  }

  detach() {
    const socket = this.socket;
    this.socket = null;
    if (socket !== null) socket.close(1000, 'inspector closed');
    this.state = 'off';
    this.showStatus(true);
  }

  clear() {
    this.list.replaceChildren();
    this.count = 0;
    this.skipped = 0;
  }

  add(event) {
    if (event === null || typeof event !== 'object' || typeof event.event !== 'string') return;
    this.count += 1;
    if (event.event === 'skipped' && Number.isSafeInteger(event.count)) this.skipped += event.count;
    const item = renderEvent(event, this.count);
    if (item === null) return;
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    this.list.append(item);
    while (this.list.childElementCount > MAX_EVENTS) this.list.firstElementChild.remove();
    if (atBottom) this.list.scrollTop = this.list.scrollHeight;
    this.showStatus();
  }

  /** Says the state and the counts: at once when `now` (the state changed), else at most once a second. */
  showStatus(now = false) {
    if (this.statusTimer !== null && !now) {
      this.statusDirty = true;
      return;
    }
    const skipped = this.skipped > 0 ? `, ${this.skipped} skipped (the server could not send them fast enough)` : '';
    this.status.textContent = `${this.state} · ${this.count} events${skipped}`;
    this.statusDirty = false;
    clearTimeout(this.statusTimer);
    this.statusTimer = setTimeout(() => {
      this.statusTimer = null;
      if (this.statusDirty) this.showStatus();
    }, STATUS_EVERY_MS);
  }
}

// ---- rendering ---------------------------------------------------------------------------

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(href, text) {
  const a = element('a', '', text);
  a.href = href;
  a.target = '_blank';
  a.rel = 'noopener';
  return a;
}

function time(t) {
  if (!Number.isFinite(t)) return '';
  const d = new Date(t);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

const ARROWS = { in: 'you → server', out: 'server → you' };

function direction(dir) {
  return dir === 'in' ? 'from you' : 'to you';
}

/** A one-line summary, and what activating it shows. */
function describe(event) {
  switch (event.event) {
    case 'head': return {
      summary: `HTTP ${event.dir === 'in' ? 'request' : 'response'} head (${direction(event.dir)}): ${firstLine(event.text)}`,
      details: () => headDetails(event),
    };
    case 'accept': return {
      summary: `Sec-WebSocket-Accept = ${event.accept}`,
      details: () => acceptDetails(event),
    };
    case 'frame': return { summary: frameSummary(event), details: () => frameDetails(event) };
    case 'message': return {
      summary: `whole message ${direction(event.dir)}: ${event.size} bytes uncompressed (permessage-deflate)`,
      details: null,
    };
    case 'close': return {
      summary: `WebSocket closed: ${event.code} (${event.code_name})${event.reason ? ` "${event.reason}"` : ''}${event.clean ? '' : ', protocol violation'}`,
      details: null,
    };
    case 'note': return { summary: event.text, details: null };
    case 'end': return { summary: `TCP connection ended (${event.how})`, details: null };
    case 'skipped': return { summary: `${event.count} events skipped: too many to send`, details: null };
    default: return { summary: event.event, details: null };
  }
}

function firstLine(text) {
  return typeof text === 'string' ? text.split('\r\n', 1)[0] : '';
}

function frameSummary(f) {
  const what = f.text !== undefined && f.opcode_name !== 'close'
    ? ` "${f.text.length > 60 ? `${f.text.slice(0, 60)}…` : f.text}"`
    : f.opcode_name === 'close' && f.code !== undefined ? ` ${f.code}${f.reason ? ` "${f.reason}"` : ''}` : '';
  const flags = [f.fin ? 'FIN' : 'not FIN', f.masked ? 'masked' : 'unmasked'];
  if (f.compressed) flags.push('compressed');
  return `${f.opcode_name} frame ${direction(f.dir)}, ${f.length} bytes (${f.length_form} length), ${flags.join(', ')}${what}`;
}

function renderEvent(event, n) {
  const { summary, details } = describe(event);
  const item = element('li', `wire-event wire-${event.event}`);
  if (event.dir === 'in' || event.dir === 'out') item.dataset.dir = event.dir;
  item.dataset.event = event.event;
  const stamp = element('time', 'wire-time', time(event.t));
  if (Number.isFinite(event.t)) stamp.dateTime = new Date(event.t).toISOString();
  const arrow = element('span', 'wire-dir', event.dir ? ARROWS[event.dir] ?? '' : '');
  arrow.setAttribute('aria-hidden', 'true');
  if (details === null) {
    item.append(stamp, arrow, element('span', 'wire-summary', summary));
    return item;
  }
  const button = element('button', 'wire-summary');
  button.type = 'button';
  button.setAttribute('aria-expanded', 'false');
  const panelId = `wire-details-${n}`;
  button.setAttribute('aria-controls', panelId);
  button.append(element('span', '', summary));
  const panel = element('div', 'wire-details');
  panel.id = panelId;
  panel.hidden = true;
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') === 'true';
    if (!open && panel.childElementCount === 0) panel.append(...details());
    button.setAttribute('aria-expanded', String(!open));
    panel.hidden = open;
  });
  item.append(stamp, arrow, button, panel);
  return item;
}

function headDetails(event) {
  const pre = element('pre', 'wire-bytes', event.text.replaceAll('\r\n', '␍␊\n'));
  const note = element('p', 'wire-note',
    'As it crossed the wire; ␍␊ marks each CRLF. An upgrade request is an ordinary GET with '
    + 'Upgrade, Connection and Sec-WebSocket-* fields (RFC 6455 section 4.1).');
  const refs = element('p', 'wire-refs');
  refs.append(link(`${RFC_6455}#section-4`, 'RFC 6455 section 4, the opening handshake'),
    ' · parsed by ', element('code', '', 'src/http/request_parser.cpp'),
    ', answered by ', element('code', '', 'src/ws/handshake.cpp'));
  return [pre, note, refs];
}

function acceptDetails(a) {
  const list = element('dl', 'wire-steps');
  const step = (term, value) => {
    list.append(element('dt', '', term), element('dd', 'wire-mono', value));
  };
  step('1. The client\'s Sec-WebSocket-Key', a.key);
  step('2. The GUID every server appends', a.guid);
  step('3. Concatenated', a.concatenated);
  step('4. SHA-1 of that (20 bytes, in hex)', a.sha1);
  step('5. Base64 of those 20 bytes: Sec-WebSocket-Accept', a.accept);
  const refs = element('p', 'wire-refs');
  refs.append(link(`${RFC_6455}#section-4.2.2`, 'RFC 6455 section 4.2.2'), ' · computed by ',
    element('code', '', 'src/ws/handshake.cpp'), ' (compute_accept)');
  return [list, refs];
}

/** Hex "8185..." to an array of numbers. */
function bytesOf(hex) {
  const out = [];
  for (let i = 0; i + 1 < (hex ?? '').length; i += 2) out.push(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

function spaced(hex) {
  return (hex ?? '').replace(/(..)(?!$)/g, '$1 ');
}

function bitTable(f) {
  const header = bytesOf(f.header);
  const bits = [];
  for (const byte of header.slice(0, 2)) for (let i = 7; i >= 0; i -= 1) bits.push((byte >> i) & 1);
  const lengthField = header.length >= 2 ? header[1] & 0x7f : 0;
  const fields = [
    ['FIN', 1, f.fin ? 'final fragment' : 'more fragments follow'],
    ['RSV1', 1, f.rsv1 ? 'set: compressed (permessage-deflate)' : 'clear'],
    ['RSV2', 1, f.rsv2 ? 'set' : 'clear'],
    ['RSV3', 1, f.rsv3 ? 'set' : 'clear'],
    ['opcode', 4, `${f.opcode} = ${f.opcode_name}`],
    ['MASK', 1, f.masked ? 'set: a masking key follows' : 'clear: no masking key'],
    ['payload len', 7, lengthField <= 125 ? `${lengthField} = the length`
      : lengthField === 126 ? '126: the length is in the next 2 bytes' : '127: the length is in the next 8 bytes'],
  ];
  const table = element('table', 'wire-bits');
  table.append(element('caption', '', 'The first two header bytes, bit by bit (RFC 6455 section 5.2)'));
  const numbers = element('tr');
  numbers.append(element('th', 'visually-hidden', 'bit'));
  for (let i = 0; i < 16; i += 1) {
    const th = element('th', '', String(i));
    th.scope = 'col';
    numbers.append(th);
  }
  const values = element('tr', 'wire-bit-values');
  values.append(element('th', 'visually-hidden', 'value'));
  for (const bit of bits) values.append(element('td', '', String(bit)));
  const names = element('tr', 'wire-bit-fields');
  names.append(element('th', 'visually-hidden', 'field'));
  for (const [name, width, meaning] of fields) {
    const cell = element('td', '', name);
    cell.colSpan = width;
    cell.title = meaning;
    cell.append(element('span', 'visually-hidden', `: ${meaning}`));
    names.append(cell);
  }
  const head = element('thead');
  head.append(numbers);
  const body = element('tbody');
  body.append(values, names);
  table.append(head, body);
  return table;
}

function frameDetails(f) {
  const out = [bitTable(f)];
  const list = element('dl', 'wire-steps');
  const row = (term, value) => list.append(element('dt', '', term), element('dd', 'wire-mono', value));
  row('Header bytes', spaced(f.header));
  if (f.length_form === '16-bit') row('Extended payload length (2 bytes)', `${spaced(f.header.slice(4, 8))} = ${f.length}`);
  if (f.length_form === '64-bit') row('Extended payload length (8 bytes)', `${spaced(f.header.slice(4, 20))} = ${f.length}`);
  if (f.masked) row('Masking key (4 bytes)', spaced(f.key));
  const more = f.length > f.shown ? ` … (${f.length - f.shown} more bytes not shown)` : '';
  if (f.masked) row('Payload as sent (masked)', spaced(f.wire) + more);
  row(f.masked ? 'Payload as read (unmasked: each byte XOR key[i mod 4])' : 'Payload', spaced(f.payload) + more);
  if (f.text !== undefined) row('As text', f.text);
  if (f.code !== undefined) row('Close code and reason', `${f.code} "${f.reason ?? ''}"`);
  if (f.arrived !== undefined) row('Cut short', `${f.arrived} of ${f.length} payload bytes arrived`);
  if (f.compressed) row('Compressed', `${f.length} bytes on the wire; the whole message's size before compression is the "whole message" line next to it`);
  out.push(list);
  const refs = element('p', 'wire-refs');
  const section = { close: '5.5.1', ping: '5.5.2', pong: '5.5.3', text: '5.6', binary: '5.6', continuation: '5.4' }[f.opcode_name] ?? '5.2';
  refs.append(link(`${RFC_6455}#section-5.2`, 'RFC 6455 section 5.2, base framing'), ' · ',
    link(`${RFC_6455}#section-${section}`, `section ${section}`));
  if (f.masked) refs.append(' · ', link(`${RFC_6455}#section-5.3`, 'section 5.3, masking'));
  if (f.compressed) refs.append(' · ', link(`${RFC_7692}#section-7.2`, 'RFC 7692, permessage-deflate'));
  refs.append(' · ', f.dir === 'in' ? 'read by ' : 'written by ',
    element('code', '', f.dir === 'in' ? 'src/ws/frame_parser.cpp' : 'src/ws/frame_writer.cpp'));
  if (f.opcode_name === 'close') refs.append(', the close handshake in ', element('code', '', 'src/ws/endpoint.cpp'));
  out.push(refs);
  return out;
}
