// rent.js: the renter's form, quoted and deployed through the API with
// the session (api.js adds its CSRF token and an idempotency key).
import { apiFetch } from './api.js';

const form = document.getElementById('rent');
const status = document.getElementById('rent-status');

form.addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const data = new FormData(form);
  const request = {
    gpu_model: data.get('gpu_model'),
    gpu_count: Number(data.get('gpu_count')),
    hours: Number(data.get('hours')),
    currency: data.get('currency'),
  };
  try {
    if (ev.submitter?.value === 'deploy') {
      status.textContent = 'Deploying…';
      const c = await apiFetch('/v1/clusters', { method: 'POST', body: { ...request, name: data.get('name') } });
      location.assign('/account#cluster-' + c.id);
      return;
    }
    const q = await apiFetch('/v1/quotes', { method: 'POST', body: request });
    status.textContent = `Quote: ${q.renter_pays} for ${q.gpu_count} × ${q.model} for ${q.hours} h (${q.total_usd} before fees).`;
  } catch (e) {
    status.textContent = 'Not done: ' + e.message;
  }
});
