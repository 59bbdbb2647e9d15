// Everything on the page around the conversation: connection status, room title, room and
// people lists, the alert line, the nickname field and the offline state of the composer.
//
// Like the message list, it writes data only through textContent.
//
// Keyboard focus is never dropped: a control that goes away or stops working while it has
// focus would send a keyboard or screen reader user back to the top of the page. So buttons
// are made aria-disabled offline (a disabled button loses focus), the room list is updated
// in place (rebuilding it would destroy a focused room button), and whatever hides the
// element that has focus (the drawer closing, the alert going) moves focus somewhere
// sensible first.

const STATUS_TEXT = {
  connecting: 'connecting…',
  connected: 'connected',
  reconnecting: 'reconnecting…',
};
const ALERT_VISIBLE_MS = 10_000;

export class View {
  /**
   * @param {{onJoin: (room: string) => void, focusComposer: () => void}} actions
   *   onJoin: the user picked a room in the list; focusComposer: move focus to the message
   *   field (where it goes when what had it disappears)
   */
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
    this.conversation = document.querySelector('main');
    // Where the sidebar becomes a drawer: the breakpoint in css/style.css.
    this.narrow = matchMedia('(max-width: 700px)');
    this.alertTimer = null;
    this.currentRoom = '';
    this.online = false;

    byId('alert-dismiss').addEventListener('click', () => this.hideAlert());
    this.panelToggle.addEventListener('click', () => this.setPanelOpen(!this.panelOpen));
    // The open drawer covers the conversation, which is then inert (see setPanelOpen).
    // Escape closes it, back to the button that opened it, as that button does.
    const closeOnEscape = (event) => {
      if (event.key !== 'Escape' || !this.isDrawer() || !this.panelOpen) return;
      event.preventDefault();
      this.panelToggle.focus();
      this.setPanelOpen(false);
    };
    this.sidebar.addEventListener('keydown', closeOnEscape);
    this.panelToggle.addEventListener('keydown', closeOnEscape);
    // Crossing the breakpoint (a window resized or zoomed, a phone turned): a sidebar that
    // had focus stays in sight, as an open drawer, with focus where it was; otherwise the
    // drawer starts closed. By the time this is told, the new layout may already have hidden
    // the sidebar and taken focus from it, hence remembering where focus was.
    this.sidebarFocus = null;
    document.addEventListener('focusin', (event) => {
      this.sidebarFocus = this.sidebar.contains(event.target) ? event.target : null;
    });
    this.narrow.addEventListener('change', () => {
      const had = this.sidebarFocus;
      const active = document.activeElement;
      const keep = this.narrow.matches && had !== null && had.isConnected
        && (active === had || active === null || active === document.body);
      this.setPanelOpen(keep);
      if (keep && document.activeElement !== had) had.focus();
    });
  }

  get panelOpen() {
    return this.panelToggle.getAttribute('aria-expanded') === 'true';
  }

  /** Whether the sidebar is a drawer now (narrow screens), rather than always shown. */
  isDrawer() {
    return this.narrow.matches;
  }

  /**
   * The sidebar is a drawer on narrow screens; on wide screens it is always shown. While the
   * drawer is open, the conversation it covers is inert: out of the Tab order and hidden
   * from screen readers, as it is from sight, so that focus never lands on a covered control.
   * Leaving the drawer by Tab leaves the page (to the browser), and comes back to the menu
   * button: nothing is trapped.
   */
  setPanelOpen(open) {
    this.panelToggle.setAttribute('aria-expanded', String(open));
    this.sidebar.classList.toggle('open', open);
    this.conversation.inert = open && this.isDrawer();
  }

  showConnectionState(state) {
    this.status.textContent = STATUS_TEXT[state];
    this.status.dataset.state = state;
    const online = state === 'connected';
    this.online = online;
    for (const button of this.submitButtons) setUsable(button, online);
    for (const button of this.roomList.querySelectorAll('button')) setUsable(button, online);
    this.offlineHint.hidden = online;
    // While it is shown, the hint also describes the message field, so a screen reader
    // says why sending does nothing.
    if (online) this.messageField.removeAttribute('aria-describedby');
    else this.messageField.setAttribute('aria-describedby', this.offlineHint.id);
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

  /**
   * Shows the confirmed nickname, unless the user is busy editing the field. `answered`: the
   * name answers what the field asked for, so the field shows it even while focused.
   */
  showNickname(nickname, answered = false) {
    if (answered || document.activeElement !== this.nickname) this.nickname.value = nickname;
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

  /**
   * Updates the room list in place: the item of a room that stays is kept (only its count
   * changes), so a room button that has focus keeps it when the counts change.
   * @param {Array<{room: string, users: number}>} rooms  sorted by name by the server
   */
  showRooms(rooms) {
    if (!Array.isArray(rooms)) return;
    const wanted = rooms.filter((entry) => typeof entry?.room === 'string');
    const existing = new Map();
    for (const item of [...this.roomList.children]) {
      existing.set(item.querySelector('button').dataset.room, item);
    }
    const names = new Set(wanted.map(({ room }) => room));
    let lostFocus = false;
    for (const [room, item] of existing) {
      if (names.has(room)) continue;
      lostFocus ||= item.contains(document.activeElement);
      item.remove();
      existing.delete(room);
    }
    // The server sorts by name, so the items kept are already in order: only new items are
    // inserted, and no kept one is moved (moving a node takes its focus away).
    let next = this.roomList.firstElementChild;
    for (const { room, users } of wanted) {
      let item = existing.get(room);
      if (item === undefined) item = this.roomItem(room);
      if (item === next) next = next.nextElementSibling;
      else this.roomList.insertBefore(item, next);
      const count = item.querySelector('.count');
      count.textContent = String(users);
      count.title = `${users} ${users === 1 ? 'person' : 'people'}`;
    }
    // The room whose button had focus has gone (it emptied): focus the current room's.
    if (lostFocus) this.roomList.querySelector('button[aria-current="true"]')?.focus();
  }

  roomItem(room) {
    const button = document.createElement('button');
    button.type = 'button';
    button.dataset.room = room;
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = `# ${room}`;
    const count = document.createElement('span');
    count.className = 'count';
    button.append(name, count);
    markCurrent(button, room === this.currentRoom);
    setUsable(button, this.online);
    button.addEventListener('click', () => {
      if (button.getAttribute('aria-disabled') === 'true') return;
      this.actions.onJoin(room);
    });
    const item = document.createElement('li');
    item.append(button);
    return item;
  }

  showAlert(text) {
    this.alertText.textContent = text;
    this.alert.hidden = false;
    this.armAlertTimer();
  }

  /** The alert goes by itself after a while, but not while it has focus or the pointer. */
  armAlertTimer() {
    clearTimeout(this.alertTimer);
    this.alertTimer = setTimeout(() => {
      if (this.alert.contains(document.activeElement) || this.alert.matches(':hover')) {
        this.armAlertTimer();
      } else {
        this.hideAlert();
      }
    }, ALERT_VISIBLE_MS);
  }

  hideAlert() {
    clearTimeout(this.alertTimer);
    // Its Dismiss button may have focus: it goes to the message field below, which is what
    // the alert was about, or where one goes on from it.
    const hadFocus = this.alert.contains(document.activeElement);
    this.alert.hidden = true;
    this.alertText.textContent = '';
    if (hadFocus) this.actions.focusComposer();
  }
}

/** Enables or disables a button without taking focus from it (see the top of this file). */
function setUsable(button, usable) {
  if (usable) button.removeAttribute('aria-disabled');
  else button.setAttribute('aria-disabled', 'true');
}

function markCurrent(button, current) {
  if (current) button.setAttribute('aria-current', 'true');
  else button.removeAttribute('aria-current');
}
