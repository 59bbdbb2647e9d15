// Entry point: wires the connection to the page and holds the little state the page needs
// (who we are, which room we are in, what we sent and have not yet seen confirmed).
//
// The server is the authority: nothing is shown as sent until it comes back as a
// new_message, and the message field is only emptied then. A refused or lost message
// therefore stays in the field, ready to be edited or re-sent.
//
// Every connection, first or not, asks in its address to be put back where the page was: its
// room, the id of the newest message it shows of that room (`since`), and its nickname. The
// welcome then answers in one step; with `recovered` true its history is exactly what we
// missed, so each message is shown once and none is missing, whichever server we land on.
//
// Keyboard focus follows what the user did: setting a nickname leaves it in the field, and
// joining a room (from the list or the field) moves it to the message field once the room
// is shown, closing the drawer on a phone; a refused nickname or room keeps it where it was,
// with the text, to be corrected.

import { Connection } from './connection.js';
import { MessageList } from './message_list.js';
import { View } from './view.js';
import { describeError, describeRenamed } from './errors.js';

// Survives a reload but not closing the tab, and is per tab: two tabs are two chatters.
const SAVED_NICKNAME = 'wirechat.nickname';
const SAVED_ROOM = 'wirechat.room';
const SAVED_TOKEN = 'wirechat.token';
// After a dropped connection the server may still hold our old connection (and its name)
// for a moment, so a name the welcome did not give back is asked for again a few times
// before the user is told.
const NICKNAME_RESTORE_TRIES = 3;
const NICKNAME_RETRY_MS = 1000;
const MAX_COMPOSER_HEIGHT_PX = 160;
// Errors that never answer a new_message. `unavailable` may answer one, but the message may
// still have been stored: then its copy comes later and is the confirmation, as usual.
const NOT_ABOUT_A_MESSAGE = new Set(['bad_nickname', 'bad_room', 'bad_since', 'unavailable', 'forbidden']);

const messageField = document.getElementById('message');
const nicknameField = document.getElementById('nickname');
const roomField = document.getElementById('room');

const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
// A signed identity, when the server requires one: a backend links its user here with
// #token=... (a fragment never leaves the browser). It is kept for this tab and taken out of
// the address bar, so that a bookmark, a screenshot or a shared link does not carry it.
const token = takeToken();
const connection = new Connection(chatAddress, {
  onState: (state) => view.showConnectionState(state),
  onEnvelope: handleEnvelope,
});
const view = new View({ onJoin: join, focusComposer: () => messageField.focus() });
const messages = new MessageList({
  log: document.getElementById('log'),
  list: document.getElementById('messages'),
  empty: document.getElementById('messages-empty'),
});

let nickname = '';  // the name the server knows us by, as shown
// The name the user chose (and the server confirmed): asked back on every connection.
let chosenNickname = sessionStorage.getItem(SAVED_NICKNAME) || null;
let room = '';      // the room shown
let presence = { users: [], count: 0 };
let awaitingEcho = null;       // trimmed text of the last message we sent
let asked = { room: null, since: null, nickname: null };  // the current address's parameters
let restoringNickname = null;  // { name, triesLeft, fallback, timer } while re-claiming our name
let requestedNickname = null;  // the name the nickname field asked for, until answered
let joinAsked = false;         // the user asked to join a room; its `joined` is to come

/** The chat's address for the next connection attempt: where we are, as far as we know. */
function chatAddress() {
  const wantedRoom = room || sessionStorage.getItem(SAVED_ROOM) || null;
  // The list holds this room's messages up to its newest without a gap (history, then every
  // live message), so its last id is exactly where the server should go on from.
  const since = room === '' ? null : messages.lastId();
  // With a token the server names us: there is no nickname to ask for.
  const name = token !== null ? null : chosenNickname ?? (nickname || null);
  asked = { room: wantedRoom, since, nickname: name };
  const params = new URLSearchParams();
  if (token !== null) params.set('token', token);
  if (wantedRoom !== null) params.set('room', wantedRoom);
  if (since !== null) params.set('since', String(since));
  if (name !== null) params.set('nickname', name);
  const query = params.toString();
  return `${scheme}//${location.host}/${query === '' ? '' : `?${query}`}`;
}

function takeToken() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const given = fragment.get('token');
  if (given !== null && given !== '') {
    sessionStorage.setItem(SAVED_TOKEN, given);
    fragment.delete('token');
    const rest = fragment.toString();
    history.replaceState(null, '', `${location.pathname}${location.search}${rest === '' ? '' : `#${rest}`}`);
  }
  const saved = sessionStorage.getItem(SAVED_TOKEN);
  if (saved !== null) {
    // The name is the token's: the field shows it and cannot change it.
    nicknameField.readOnly = true;
    nicknameField.form.querySelector('button').hidden = true;
    document.getElementById('nickname-signed').hidden = false;
  }
  return saved;
}

function handleEnvelope({ type, payload }) {
  switch (type) {
    case 'welcome': return onWelcome(payload);
    case 'joined': return onJoined(payload);
    case 'nickname': return onNickname(payload);
    case 'renamed': return onRenamed(payload?.to);
    case 'new_message': return onNewMessage(payload);
    case 'presence': return onPresence(payload);
    case 'rooms': return view.showRooms(payload);
    case 'error': return onError(payload);
    default: return undefined;  // newer servers may say more than we understand
  }
}

function onWelcome(welcome) {
  // A new connection: nothing asked on the old one will be answered.
  stopRestoringNickname();
  requestedNickname = null;
  joinAsked = false;
  const given = welcome?.nickname;
  if (typeof given === 'string') {
    if (asked.nickname !== null && asked.nickname === chosenNickname && given !== asked.nickname) {
      // Most likely our previous connection still holds the name: ask again shortly. The
      // guest name only matters if ours cannot be restored; showing it in the meantime would
      // flip our messages to "not ours" for a moment.
      restoringNickname = { name: asked.nickname, triesLeft: NICKNAME_RESTORE_TRIES,
        fallback: given, timer: null };
      retryNicknameLater();
    } else {
      setNickname(given);
    }
  }
  view.showRooms(welcome?.rooms);
  enterRoom(welcome, asked.since !== null && welcome?.room === asked.room);
}

function onJoined(joined) {
  if (typeof joined?.room !== 'string') return;
  enterRoom(joined, false);
  if (roomField.value.trim() === joined.room) roomField.value = '';
  if (!joinAsked) return;
  joinAsked = false;
  // Joined to talk there: focus goes to the message field (whose placeholder names the
  // room), unless the user has already gone somewhere else than where they asked from.
  const from = document.activeElement;
  const focusComposer = from === null || from === document.body
    || document.getElementById('sidebar').contains(from);
  view.setPanelOpen(false);  // first: the message field is inert while the drawer is open
  if (focusComposer) messageField.focus();
}

/** The user asked to join `name` (from the room list or the room field). */
function join(name) {
  if (connection.send('join', name)) joinAsked = true;
}

/**
 * Shows a `welcome` or `joined`. `continuing`: we gave `since`, asking the server to go on
 * from the newest message shown of this room.
 */
function enterRoom(entry, continuing) {
  if (typeof entry?.room !== 'string') return;
  const { room: newRoom, users, count, history, recovered } = entry;
  const list = Array.isArray(history) ? history : [];
  let added;
  if (newRoom !== room) {
    messages.clear();
    room = newRoom;
    view.showRoom(room);
    messages.setEmptyText(`No messages in #${room} yet. Say hello!`);
    sessionStorage.setItem(SAVED_ROOM, room);
    added = messages.add(list, nickname);
  } else if (recovered === true || (recovered === undefined && !continuing)) {
    // Exactly what we missed; or, not asked with `since` (joining the room we are in), the
    // room's last messages, which overlap what is shown: the list shows each id once.
    added = messages.add(list, nickname);
  } else {
    // The server could not vouch for what came after our newest message (recovered false,
    // or our `since` was refused): its history is the room's latest, and what we show
    // beyond it might sit next to a hole. Show what the server has.
    added = messages.replace(list, nickname);
  }
  confirmEcho(added);
  onPresence({ room: newRoom, users, count });
}

function requestNickname(name) {
  return connection.send('nickname', name);
}

function retryNicknameLater() {
  const restore = restoringNickname;
  clearTimeout(restore.timer);
  restore.timer = setTimeout(() => {
    // Restored, given up, or a new connection started over meanwhile.
    if (restoringNickname === restore) requestNickname(restore.name);
  }, NICKNAME_RETRY_MS);
}

function stopRestoringNickname() {
  if (restoringNickname !== null) clearTimeout(restoringNickname.timer);
  restoringNickname = null;
}

function onNickname(name) {
  if (typeof name !== 'string') return;
  stopRestoringNickname();
  chosenNickname = name;
  sessionStorage.setItem(SAVED_NICKNAME, name);
  // The field, still focused, shows what the server made of what it asked for.
  const answered = requestedNickname !== null && nicknameField.value.trim() === requestedNickname;
  requestedNickname = null;
  setNickname(name, answered);
}

/** The servers lost their store for a while, and someone else took our name meanwhile. */
function onRenamed(name) {
  if (typeof name !== 'string') return;
  if (restoringNickname !== null) {
    restoringNickname.fallback = name;  // the guest name we were holding is the one renamed
    return;
  }
  const previous = nickname;
  if (name === previous) return;
  // The name is someone else's now: asking for it on every reconnect would only bring
  // another guest name each time.
  chosenNickname = null;
  sessionStorage.removeItem(SAVED_NICKNAME);
  setNickname(name);
  view.showAlert(describeRenamed(previous, name));
}

function setNickname(name, answered = false) {
  nickname = name;
  view.showNickname(name, answered);
  messages.markOwn(name);
  view.showUsers(presence, nickname);
}

function onPresence(update) {
  if (update?.room !== room) return;
  presence = { users: update.users, count: update.count };
  view.showUsers(presence, nickname);
}

function onNewMessage(message) {
  if (message?.room !== room) return;
  messages.add([message], nickname);
  confirmEcho([message]);
}

/** Our last message is safe once it has come back: live, or in the history of a reconnect. */
function confirmEcho(arrived) {
  if (awaitingEcho === null) return;
  // While our name is being restored, the server knows us by the guest name.
  const ours = (from) => from === nickname || from === restoringNickname?.fallback;
  if (!arrived.some((message) => ours(message.from) && message.text === awaitingEcho)) return;
  // Only now is the text safe; and only if the user has not started on the next one.
  if (messageField.value.trim() === awaitingEcho) {
    messageField.value = '';
    fitComposer();
  }
  awaitingEcho = null;
}

function onError(error) {
  const code = error?.code;
  if (code === 'bad_nickname' || code === 'forbidden') requestedNickname = null;
  if (code === 'bad_room' || code === 'forbidden') joinAsked = false;
  if (code === 'bad_nickname' && restoringNickname !== null) {
    if (restoringNickname.triesLeft > 0) {
      restoringNickname.triesLeft -= 1;
      retryNicknameLater();
      return;
    }
    setNickname(restoringNickname.fallback);
    stopRestoringNickname();
  }
  // The connection's first step failed: it closes, and we try again by ourselves.
  if (code === 'unavailable' && !connection.connected) return;
  if (!NOT_ABOUT_A_MESSAGE.has(code)) awaitingEcho = null;
  view.showAlert(describeError(error));
}

document.getElementById('composer').addEventListener('submit', (event) => {
  event.preventDefault();
  const text = messageField.value.trim();
  if (text === '' || !connection.send('new_message', text)) return;
  awaitingEcho = text;
  view.hideAlert();
});

messageField.addEventListener('keydown', (event) => {
  // Enter sends, Shift+Enter is a new line; never interrupt an IME composition.
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing) return;
  event.preventDefault();
  event.target.form.requestSubmit();
});
messageField.addEventListener('input', fitComposer);

function fitComposer() {
  // An empty field goes back to its one-line CSS height: measuring it would measure the
  // placeholder, which wraps on a phone.
  if (messageField.value === '') {
    messageField.style.height = '';
    return;
  }
  messageField.style.height = 'auto';
  messageField.style.height = `${Math.min(messageField.scrollHeight, MAX_COMPOSER_HEIGHT_PX)}px`;
}

document.getElementById('nickname-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = nicknameField.value.trim();
  if (token !== null || name === '' || name === nickname) return;
  // Focus stays in the field (blurring it would drop keyboard focus to the page).
  if (requestNickname(name)) requestedNickname = name;
});
// Leaving the field and its "Set" button puts the confirmed name back, so it never lies:
// whether the name was not applied, or applied and refused (focus stays in the field after
// Enter, with the refused name there to be corrected). Moving between the two is not leaving.
nicknameField.form.addEventListener('focusout', (event) => {
  if (!nicknameField.form.contains(event.relatedTarget)) nicknameField.value = nickname;
});

document.getElementById('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = roomField.value.trim();
  if (name !== '') join(name);
});

connection.start();
