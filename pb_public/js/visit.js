// A view's visit. The router gives each view it shows an AbortSignal and
// aborts it when the user leaves (another address, or the same page drawn
// again in another language). What the view keeps running ends with it:
// its realtime subscriptions and timers through these helpers, its
// requests by taking the signal ({ signal } in the SDK's options).

import { pb } from './api.js';

// follow calls onChange with every realtime event of collection's records
// (create, update, delete) until the visit ends.
export function follow(signal, collection, onChange) {
  pb.collection(collection).subscribe('*', (e) => {
    if (!signal.aborted) onChange(e);
  }).then((unsubscribe) => {
    if (signal.aborted) unsubscribe();
    else signal.addEventListener('abort', unsubscribe, { once: true });
  }).catch(() => {});
}

// every runs fn every ms milliseconds until the visit ends.
export function every(signal, ms, fn) {
  const timer = setInterval(fn, ms);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}

// debounced is fn run ms milliseconds after the last of quick calls, unless
// the visit ends first.
export function debounced(signal, ms, fn) {
  let timer;
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  return () => {
    clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };
}
