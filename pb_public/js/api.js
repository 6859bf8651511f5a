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
