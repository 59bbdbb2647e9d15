// Everything on the page around the conversation: connection status, room title, room and
// people lists, the alert line, the nickname field and the offline state of the composer.
//
// Like the message list, it writes data only through textContent.

const STATUS_TEXT = {
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
};
const ALERT_VISIBLE_MS = 10_000;

export class View {
  /** @param {{onJoin: (room: string) => void}} actions */
  constructor(actions) {
    const byId = (id) => document.getElementById(id);
    this.actions = actions;
    this.status = byId('status');
    this.roomName = byId('room-name');
    this.roomList = byId('room-list');
    this.userList = byId('user-list');
    this.userCount = byId('user-count');
    this.alert = byId('alert');
    this.alertText = byId('alert-text');
    this.nickname = byId('nickname');
    this.messageField = byId('message');
    this.submitButtons = document.querySelectorAll('form button[type="submit"]');
    this.offlineHint = byId('offline-hint');
    this.sidebar = byId('sidebar');
    this.panelToggle = byId('panel-toggle');
    this.alertTimer = null;
    this.currentRoom = '';
    this.online = false;

    byId('alert-dismiss').addEventListener('click', () => this.hideAlert());
    this.panelToggle.addEventListener('click', () => this.setPanelOpen(!this.panelOpen));
  }

  get panelOpen() {
    return this.panelToggle.getAttribute('aria-expanded') === 'true';
  }

  /** The sidebar is a drawer on narrow screens; on wide screens it is always shown. */
  setPanelOpen(open) {
    this.panelToggle.setAttribute('aria-expanded', String(open));
    this.sidebar.classList.toggle('open', open);
  }

  showConnectionState(state) {
    this.status.textContent = STATUS_TEXT[state];
    this.status.dataset.state = state;
    const online = state === 'connected';
    this.online = online;
    for (const button of this.submitButtons) button.disabled = !online;
    for (const button of this.roomList.querySelectorAll('button')) button.disabled = !online;
    this.offlineHint.hidden = online;
    document.body.classList.toggle('offline', !online);
  }

  showRoom(room) {
    this.currentRoom = room;
    this.roomName.textContent = room;
    this.messageField.placeholder = `Message #${room}`;
    document.title = `#${room} · wirechat`;
    for (const button of this.roomList.querySelectorAll('button')) {
      markCurrent(button, button.dataset.room === room);
    }
  }

  /** Shows the confirmed nickname, unless the user is busy editing the field. */
  showNickname(nickname) {
    if (document.activeElement !== this.nickname) this.nickname.value = nickname;
    this.nickname.dataset.confirmed = nickname;
  }

  /** @param {{users: string[], count: number}} presence  users is capped by the server */
  showUsers({ users, count }, ownNickname) {
    const names = Array.isArray(users) ? users.filter((name) => typeof name === 'string') : [];
    const total = Number.isSafeInteger(count) ? count : names.length;
    this.userCount.textContent = String(total);
    const items = names.map((name) => {
      const item = document.createElement('li');
      const label = document.createElement('span');
      label.className = 'name';
      label.textContent = name;
      item.append(label);
      if (name === ownNickname) {
        item.classList.add('me');
        const tag = document.createElement('span');
        tag.className = 'tag';
        tag.textContent = 'you';
        item.append(' ', tag);
      }
      return item;
    });
    if (total > names.length) {
      const more = document.createElement('li');
      more.className = 'more';
      more.textContent = `and ${total - names.length} more`;
      items.push(more);
    }
    this.userList.replaceChildren(...items);
  }

  /** @param {Array<{room: string, users: number}>} rooms  sorted by name by the server */
  showRooms(rooms) {
    if (!Array.isArray(rooms)) return;
    const items = rooms
      .filter((entry) => typeof entry?.room === 'string')
      .map(({ room, users }) => {
        const button = document.createElement('button');
        button.type = 'button';
        button.dataset.room = room;
        const name = document.createElement('span');
        name.className = 'name';
        name.textContent = `# ${room}`;
        const count = document.createElement('span');
        count.className = 'count';
        count.textContent = String(users);
        count.title = `${users} ${users === 1 ? 'person' : 'people'}`;
        button.append(name, count);
        markCurrent(button, room === this.currentRoom);
        button.disabled = !this.online;
        button.addEventListener('click', () => {
          this.actions.onJoin(room);
          this.setPanelOpen(false);
        });
        const item = document.createElement('li');
        item.append(button);
        return item;
      });
    this.roomList.replaceChildren(...items);
  }

  showAlert(text) {
    this.alertText.textContent = text;
    this.alert.hidden = false;
    clearTimeout(this.alertTimer);
    this.alertTimer = setTimeout(() => this.hideAlert(), ALERT_VISIBLE_MS);
  }

  hideAlert() {
    clearTimeout(this.alertTimer);
    this.alert.hidden = true;
    this.alertText.textContent = '';
  }
}

function markCurrent(button, current) {
  if (current) button.setAttribute('aria-current', 'true');
  else button.removeAttribute('aria-current');
}
