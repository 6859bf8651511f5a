// The one client of Postrider's API (the PocketBase SDK, vendored). The
// login is kept in this browser (localStorage) by the SDK's auth store.

import PocketBase from '../vendor/pocketbase-0.28.1.es.mjs';

export const pb = new PocketBase('/');
pb.autoCancellation(false);

export function user() {
  return pb.authStore.isValid ? pb.authStore.record : null;
}

// browserTimeZone is the IANA zone the browser runs in, or UTC.
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// ---------------------------------------------------------------- a session that ends

// A session the server no longer takes ends here, whatever page asked: a
// moderator blocked the account, which voids its tokens, or its password
// changed elsewhere. The web app then opens the login page, which says
// why. A voided token gets 401 from a route that needs a login, but the
// records API answers it as a visitor (an empty list, 404 for a record);
// a blocked account whose token still passes gets 403. Those answers are
// checked with a refresh of the login, which only a live session passes
// (without touching the page; a request repeated, as a page that follows
// runs repeats its own, is checked once in 30 s).
const endedKey = 'postrider.sessionEnded';
let ending = false;
let lastCheck = { url: '', at: 0 };

pb.afterSend = (response, data) => {
  const path = new URL(response.url).pathname;
  if (ending || !pb.authStore.token || /\/auth-(with-password|refresh)$/.test(path)) return data;
  if (response.status === 401) endSession(data);
  else if (mayBeVoided(response, data, path)) checkSession(response.url, response.status === 403 ? data : null);
  return data;
};

function mayBeVoided(response, data, path) {
  if (response.status === 403 || response.status === 404) return true;
  return response.ok && /^\/api\/collections\/[^/]+\/records$/.test(path) && data?.items?.length === 0;
}

async function checkSession(url, refusal) {
  if (url === lastCheck.url && Date.now() - lastCheck.at < 30000) return;
  lastCheck = { url, at: Date.now() };
  try {
    await pb.send('/api/collections/users/auth-refresh', { method: 'POST', requestKey: null });
  } catch (err) {
    if (err.status === 401 || err.status === 403) endSession(refusal || err.response);
  }
}

function endSession(data) {
  if (ending) return; // one ending, though several checks may fail
  ending = true;
  const reason = Object.values(data?.data || {}).find((e) => e?.code === 'account_blocked')?.params?.reason;
  const blocked = reason != null || /blocked/i.test(data?.message || '');
  sessionStorage.setItem(endedKey, JSON.stringify({ blocked, reason: reason || '', email: pb.authStore.record?.email || '' }));
  pb.authStore.clear();
  location.assign('/login');
}

// sessionEnded is why the last session ended ({blocked, reason, email}),
// once: the login page shows it.
export function sessionEnded() {
  const raw = sessionStorage.getItem(endedKey);
  sessionStorage.removeItem(endedKey);
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}
