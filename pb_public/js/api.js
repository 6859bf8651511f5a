// The one client of Postrider's API (the PocketBase SDK, vendored). The
// login is kept in this browser (localStorage) by the SDK's auth store.

import PocketBase from '../vendor/pocketbase-0.28.1.es.mjs';

export const pb = new PocketBase('/');
pb.autoCancellation(false);

export function user() {
  return pb.authStore.isValid ? pb.authStore.record : null;
}

// ---------------------------------------------------------------- a session that ends

// A session the server no longer takes ends here, whatever page asked: a
// moderator blocked the account (the server refuses its token everywhere,
// 403 account_blocked) or the token is void (401). The web app then opens
// the login page, which says why.
const endedKey = 'postrider.sessionEnded';
let ending = false;

pb.afterSend = (response, data) => {
  if (ending || !pb.authStore.token || /\/auth-with-password$/.test(new URL(response.url).pathname)) return data;
  const blocked = response.status === 403 && data?.data?.identity?.code === 'account_blocked';
  if (blocked || response.status === 401) {
    ending = true;
    sessionStorage.setItem(endedKey, JSON.stringify({ blocked, email: pb.authStore.record?.email || '' }));
    pb.authStore.clear();
    location.assign('/login');
  }
  return data;
};

// sessionEnded is why the last session ended ({blocked, email}),
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
