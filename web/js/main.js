// Entry point: wires the connection to the page and holds the little state the page needs
// (who we are, which room we are in, what we sent and have not yet seen confirmed).
//
// The server is the authority: nothing is shown as sent until it comes back as a
// new_message, and the message field is only emptied then. A refused or lost message
// therefore stays in the field, ready to be edited or re-sent.

import { Connection } from './connection.js';
import { MessageList } from './message_list.js';
import { View } from './view.js';
import { describeError } from './errors.js';

// Survives a reload but not closing the tab, and is per tab: two tabs are two chatters.
const SAVED_NICKNAME = 'wirechat.nickname';
const SAVED_ROOM = 'wirechat.room';
// After a dropped connection the server may still hold our old connection (and its name)
// for a moment, so a refused restore is retried a few times before the user is told.
const NICKNAME_RESTORE_TRIES = 3;
const NICKNAME_RETRY_MS = 1000;
const MAX_COMPOSER_HEIGHT_PX = 160;

const messageField = document.getElementById('message');
const nicknameField = document.getElementById('nickname');
const roomField = document.getElementById('room');

const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
const connection = new Connection(`${scheme}//${location.host}`, {
  onState: handleState,
  onEnvelope: handleEnvelope,
});
const view = new View({ onJoin: (room) => connection.send('join', room) });
const messages = new MessageList(document.getElementById('messages'));

let nickname = '';
let room = '';
let presence = { users: [], count: 0 };
let awaitingEcho = null;       // trimmed text of the last message we sent
let restoringRoom = null;      // room we are re-joining after (re)connecting
let restoringNickname = null;  // { name, triesLeft, fallback } while re-claiming our nickname

const savedNickname = sessionStorage.getItem(SAVED_NICKNAME);
const savedRoom = sessionStorage.getItem(SAVED_ROOM);
if (savedNickname) connection.remember('nickname', savedNickname);
if (savedRoom) connection.remember('join', savedRoom);

function handleState(state) {
  view.showConnectionState(state);
  if (state !== 'connected') return;
  // The connection has just replayed its sticky envelopes; expect their answers.
  const name = connection.remembered('nickname');
  restoringNickname = name === undefined
    ? null
    : { name, triesLeft: NICKNAME_RESTORE_TRIES, fallback: null };
  restoringRoom = connection.remembered('join') ?? null;
}

function handleEnvelope({ type, payload }) {
  switch (type) {
    case 'welcome': return onWelcome(payload);
    case 'joined': return onJoined(payload);
    case 'nickname': return onNickname(payload);
    case 'new_message': return onNewMessage(payload);
    case 'presence': return onPresence(payload);
    case 'rooms': return view.showRooms(payload);
    case 'error': return onError(payload);
    default: return undefined;  // newer servers may say more than we understand
  }
}

function onWelcome(welcome) {
  if (typeof welcome?.nickname === 'string') {
    // The server's guest name only matters if our own name cannot be restored; showing it
    // in the meantime would flip our messages to "not ours" for a moment.
    if (restoringNickname === null) setNickname(welcome.nickname);
    else restoringNickname.fallback = welcome.nickname;
  }
  view.showRooms(welcome?.rooms);
  // When a join is on its way, the welcome's room would only flash by: keep showing ours.
  if (restoringRoom !== null && restoringRoom !== welcome?.room) return;
  enterRoom(welcome);
}

function onJoined(joined) {
  restoringRoom = null;
  if (typeof joined?.room !== 'string') return;
  enterRoom(joined);
  if (roomField.value.trim() === joined.room) roomField.value = '';
}

function enterRoom({ room: newRoom, users, count, history }) {
  if (typeof newRoom !== 'string') return;
  if (newRoom !== room) {
    messages.clear();
    room = newRoom;
    view.showRoom(room);
    messages.setEmptyText(`No messages in #${room} yet. Say hello!`);
    // Re-joined explicitly after every reconnect, even the lobby: the answer's history then
    // overlaps what is on screen, which the message list de-duplicates.
    sessionStorage.setItem(SAVED_ROOM, room);
    connection.remember('join', room);
  }
  messages.add(Array.isArray(history) ? history : [], nickname);
  onPresence({ room: newRoom, users, count });
}

function onNickname(name) {
  if (typeof name !== 'string') return;
  restoringNickname = null;
  setNickname(name);
  sessionStorage.setItem(SAVED_NICKNAME, name);
  connection.remember('nickname', name);
}

function setNickname(name) {
  nickname = name;
  view.showNickname(name);
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
  if (message.from === nickname && message.text === awaitingEcho) {
    awaitingEcho = null;
    // Only now is the text safe; and only if the user has not started on the next one.
    if (messageField.value.trim() === message.text) {
      messageField.value = '';
      fitComposer();
    }
  }
}

function onError(error) {
  if (error?.code === 'bad_nickname' && restoringNickname !== null
      && restoringNickname.triesLeft > 0) {
    restoringNickname.triesLeft -= 1;
    const { name } = restoringNickname;
    setTimeout(() => connection.send('nickname', name), NICKNAME_RETRY_MS);
    return;
  }
  if (error?.code === 'bad_nickname' && restoringNickname !== null) {
    if (restoringNickname.fallback !== null) setNickname(restoringNickname.fallback);
    restoringNickname = null;
  }
  awaitingEcho = null;
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
  if (name === '' || name === nickname) return;
  if (connection.send('nickname', name)) nicknameField.blur();
});
// Leaving the field without applying puts the confirmed name back, so it never lies
// (moving to its own "Set" button is applying, not leaving).
nicknameField.addEventListener('blur', (event) => {
  if (event.relatedTarget?.form !== nicknameField.form) nicknameField.value = nickname;
});

document.getElementById('room-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const name = roomField.value.trim();
  if (name !== '' && connection.send('join', name)) view.setPanelOpen(false);
});

connection.start();
