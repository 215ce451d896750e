/**
 * When the daemon is configured with an access token and this phone does not
 * have it (or has a wrong one), /api answers 401 and the socket upgrade is
 * refused, which would otherwise look like an endless "reconnecting". This
 * asks for the token once; it is kept in localStorage like one from `?token=`.
 */
import { checkAccess } from './api.js';
import { h } from './dom.js';

export async function askForTokenIfNeeded(root: HTMLElement): Promise<void> {
  const r = await checkAccess();
  if (r.ok || r.status !== 401) return;
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'current-password', placeholder: 'access token', required: true });
  const form = h(
    'form',
    { id: 'access', class: 'panel' },
    h('h3', {}, 'Access token needed'),
    h('p', { class: 'muted' }, localStorage.getItem('dashcamd.token') ? 'The stored token was not accepted.' : 'This dashcam only talks to phones that know its token (server.token in its config).'),
    input,
    h('div', { class: 'buttons' }, h('button', { type: 'submit', class: 'primary' }, 'Use token')),
  );
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    localStorage.setItem('dashcamd.token', input.value.trim());
    location.reload();
  });
  root.prepend(form);
}
