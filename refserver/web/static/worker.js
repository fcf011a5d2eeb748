// worker.js: the dashboard's rename and remove forms, sent to the API
// with the session (api.js adds its CSRF token); the page reloads to show
// what the API answers.
import { apiFetch } from './api.js';

const status = document.getElementById('worker-status');

async function act(ev, call) {
  ev.preventDefault();
  status.textContent = 'Saving…';
  try {
    await call(ev.target.dataset.device, new FormData(ev.target));
    location.reload();
  } catch (e) {
    status.textContent = 'Not done: ' + e.message;
  }
}

for (const form of document.querySelectorAll('form.rename')) {
  form.addEventListener('submit', (ev) => act(ev, (id, data) =>
    apiFetch(`/v1/devices/${encodeURIComponent(id)}`, { method: 'PATCH', body: { name: data.get('name') } })));
}
for (const form of document.querySelectorAll('form.remove')) {
  form.addEventListener('submit', (ev) => {
    if (!confirm('Remove this device from the network?')) { ev.preventDefault(); return; }
    act(ev, (id) => apiFetch(`/v1/devices/${encodeURIComponent(id)}`, { method: 'DELETE' }));
  });
}
