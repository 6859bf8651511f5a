// Time zones: the user's (their profile's, in which the web app shows and
// reads every time), the browser's (a new account's), and the picker of
// the profile page.

import { user } from './api.js';
import { h } from './ui.js';

// userZone is the signed-in user's IANA zone, or UTC.
export function userZone() {
  return user()?.timezone || 'UTC';
}

// browserTimeZone is the IANA zone the browser runs in, or UTC.
export function browserTimeZone() {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// zoneChoices is the datalist of every zone the browser knows, for an
// input that names it (list=id) to offer.
export function zoneChoices(id) {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return h('datalist', { id }, zones.map((z) => h('option', { value: z })));
}
