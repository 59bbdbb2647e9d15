// The conversation: an ordered, duplicate-free list of messages in the DOM.
//
// Messages can arrive twice (a `joined` for the room we are in repeats its history; a server
// bug must not show a message twice either), so every id is remembered and rendered once.
// Ids only grow, so the list is kept sorted by id: history older than what is shown is
// inserted in place, and the last item is the newest message, the one a reconnect asks
// the server to continue from.
// Text is only ever set with textContent: a message is data, never markup.

const GROUP_WINDOW_MS = 5 * 60 * 1000;  // same sender within 5 minutes reads as one block
const NEAR_BOTTOM_PX = 80;
const MAX_DATE_MS = 8.64e15;  // the largest time a JS Date can hold; beyond it Date throws

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const fullFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });

export class MessageList {
  /**
   * @param {{log: HTMLElement, list: HTMLOListElement, empty: HTMLElement}} elements
   *   the role="log" element (it scrolls), the list of messages inside it, and the line
   *   shown while the list is empty
   */
  constructor({ log, list, empty }) {
    this.element = list;
    this.scroller = log;
    this.empty = empty;
    this.ids = new Set();
    // A reader at the bottom stays there when the log shrinks (a phone's keyboard opens,
    // the composer grows, the window is resized); one scrolled up to read stays put.
    this.pinned = true;
    log.addEventListener('scroll', () => { this.pinned = this.isNearBottom(); },
      { passive: true });
    new ResizeObserver(() => { if (this.pinned) this.scrollToBottom(); }).observe(log);
  }

  clear() {
    this.ids.clear();
    this.element.replaceChildren();
  }

  /** The id of the newest message shown, or null when none is. */
  lastId() {
    const last = this.element.lastElementChild;
    return last === null ? null : Number(last.dataset.id);
  }

  /**
   * Shows exactly `messages` (oldest first). Items already shown are kept, not rebuilt, so a
   * screen reader following the log does not hear them again; the others are removed.
   * @returns {Array<object>} the messages that were new
   */
  replace(messages, ownNickname) {
    const kept = new Set(messages.filter(isMessage).map((message) => message.id));
    for (const item of [...this.element.children]) {
      const id = Number(item.dataset.id);
      if (kept.has(id)) continue;
      const next = item.nextElementSibling;
      item.remove();
      this.ids.delete(id);
      if (next !== null) updateGrouping(next);
    }
    return this.add(messages, ownNickname);
  }

  /** Sets the line shown (CSS shows it only while the list is empty) for an empty room. */
  setEmptyText(text) {
    this.empty.textContent = text;
  }

  /**
   * Shows `messages` (oldest first), skipping the ones already shown.
   * @param {Array<{id: number, from: string, text: string, ts: number}>} messages
   * @param {string} ownNickname  messages from this name are marked as ours
   * @returns {Array<object>} the messages that were new
   */
  add(messages, ownNickname) {
    const stickToBottom = this.pinned;
    const added = [];
    for (const message of messages) {
      if (!isMessage(message) || this.ids.has(message.id)) continue;
      this.ids.add(message.id);
      const item = renderMessage(message, ownNickname);
      this.insertInOrder(item, message.id);
      updateGrouping(item);
      if (item.nextElementSibling) updateGrouping(item.nextElementSibling);
      added.push(message);
    }
    const ownAdded = added.some((message) => message.from === ownNickname);
    if (added.length > 0 && (stickToBottom || ownAdded)) this.scrollToBottom();
    return added;
  }

  /** Re-marks which messages are ours (after a rename, "own" means the new name). */
  markOwn(nickname) {
    for (const item of this.element.children) {
      item.classList.toggle('own', item.dataset.from === nickname);
    }
  }

  scrollToBottom() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.pinned = true;
  }

  isNearBottom() {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    return scrollHeight - scrollTop - clientHeight < NEAR_BOTTOM_PX;
  }

  insertInOrder(item, id) {
    // Live messages are the newest, so walking back from the end is O(1) in practice.
    let after = this.element.lastElementChild;
    while (after !== null && Number(after.dataset.id) > id) after = after.previousElementSibling;
    if (after === null) this.element.prepend(item);
    else after.after(item);
  }
}

function isMessage(message) {
  return message !== null && typeof message === 'object'
    && Number.isSafeInteger(message.id) && message.id >= 0 && typeof message.from === 'string'
    && typeof message.text === 'string'
    && Number.isFinite(message.ts) && Math.abs(message.ts) <= MAX_DATE_MS;
}

function renderMessage(message, ownNickname) {
  const item = document.createElement('li');
  item.className = 'message';
  item.classList.toggle('own', message.from === ownNickname);
  item.dataset.id = String(message.id);
  item.dataset.from = message.from;
  item.dataset.ts = String(message.ts);

  const meta = document.createElement('div');
  meta.className = 'meta';
  const from = document.createElement('span');
  from.className = 'from';
  from.textContent = message.from;
  const time = document.createElement('time');
  const date = new Date(message.ts);
  time.dateTime = date.toISOString();
  time.title = fullFormat.format(date);
  time.textContent = timeFormat.format(date);
  meta.append(from, time);

  const text = document.createElement('p');
  text.className = 'text';
  text.textContent = message.text;

  item.append(meta, text);
  return item;
}

function updateGrouping(item) {
  const previous = item.previousElementSibling;
  const continues = previous !== null
    && previous.dataset.from === item.dataset.from
    && Number(item.dataset.ts) - Number(previous.dataset.ts) < GROUP_WINDOW_MS;
  item.classList.toggle('continued', continues);
}
