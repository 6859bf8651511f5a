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
// moderator blocked the account (which voids its tokens: the next request
// that needs a login answers 401), or its password changed elsewhere. A
// 403 may be one too (a blocked account whose token still passes), which
// a refresh of the login tells apart from a refusal of one action. The
// web app then opens the login page, which says why.
const endedKey = 'postrider.sessionEnded';
let ending = false;

pb.afterSend = async (response, data) => {
  const path = new URL(response.url).pathname;
  if (ending || !pb.authStore.token || /\/auth-(with-password|refresh)$/.test(path)) return data;
  if (response.status === 401) {
    endSession(data);
  } else if (response.status === 403) {
    try {
      await pb.collection('users').authRefresh({ requestKey: null });
    } catch (err) {
      if (err.status === 401 || err.status === 403) endSession(data);
    }
  }
  return data;
};

function endSession(data) {
  ending = true;
  const reason = Object.values(data?.data || {}).find((e) => e?.code === 'account_blocked')?.params?.reason;
  const blocked = reason != null || /blocked/i.test(data?.message || '');
  sessionStorage.setItem(endedKey, JSON.stringify({ blocked, reason: reason || '' }));
  pb.authStore.clear();
  location.assign('/login');
}

// sessionEnded is why the last session ended ({blocked, reason}), once:
// the login page shows it.
export function sessionEnded() {
  const raw = sessionStorage.getItem(endedKey);
  sessionStorage.removeItem(endedKey);
  try {
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}
