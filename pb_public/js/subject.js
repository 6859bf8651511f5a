// A mailing's subject as people read it: each {{placeholder|fallback}} of
// it named in words, as a chip ("first name (or: you)") on a page and in
// brackets in plain text (a window's title, a picker's option), never as
// the raw braces. A mark the app does not know stays as it is.

import { t, has } from './i18n.js';
import { h } from './ui.js';

const marks = /\{\{\s*(\w+)\s*(?:\|([^{}]*))?\}\}/g;

// placeholderWords names one placeholder and its fallback, or null for a
// name the app has no words for.
export function placeholderWords(name, fallback = '') {
  if (!has(`placeholder.${name}`)) return null;
  const words = t(`placeholder.${name}`);
  return fallback.trim() ? t('placeholder.or', { name: words, fallback: fallback.trim() }) : words;
}

// subjectNodes is the subject as text and chips, for a page.
export function subjectNodes(subject) {
  const out = [];
  let at = 0;
  for (const m of subject.matchAll(marks)) {
    const words = placeholderWords(m[1], m[2]);
    if (!words) continue;
    out.push(subject.slice(at, m.index), h('span', { class: 'placeholder-chip', title: m[0] }, words));
    at = m.index + m[0].length;
  }
  out.push(subject.slice(at));
  return out.filter((n) => n !== '');
}

// subjectText is the subject in plain text, its placeholders in brackets.
export function subjectText(subject) {
  return subject.replace(marks, (m, name, fallback = '') => {
    const words = placeholderWords(name, fallback);
    return words ? `[${words}]` : m;
  });
}
