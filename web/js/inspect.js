// The full-page view of the wire (/inspect#token=...): the same panel as the chat page's.
import { WirePanel } from './wire.js';

const wire = new WirePanel({
  list: document.getElementById('wire-events'),
  status: document.getElementById('wire-status'),
});
const token = new URLSearchParams(location.hash.slice(1)).get('token');
if (token) wire.attach(token);
else document.getElementById('wire-missing').hidden = false;
