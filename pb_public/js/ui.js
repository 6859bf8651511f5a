// Small DOM helpers. Text always goes in as text (textContent), never as
// HTML: nothing a user typed can become markup on a page.

import { t, has } from './i18n.js';
import { pb } from './api.js';

// h makes an element: h('p', {class: 'x', id: 'y', 'aria-live': 'polite'}, 'text', child…)
// Keys starting with "on" bind listeners; others are attributes.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

// field makes a labelled input with a place for its error right below it.
// The error is tied to the input (aria-describedby) and read out when it
// appears.
export function field(form, name, { label, type = 'text', autocomplete, required = false, value = '', help, list, minlength } = {}) {
  const id = `${form}-${name}`;
  const input = h('input', {
    id, name, type, autocomplete, required, list, minlength,
    'aria-describedby': `${id}-error${help ? ` ${id}-help` : ''}`,
  });
  input.value = value;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    help ? h('p', { class: 'help', id: `${id}-help` }, help) : null,
    h('p', { class: 'field-error', id: `${id}-error`, 'aria-live': 'polite' }),
  );
}

// message is a status line for a form or a page: role=status for news,
// role=alert for errors.
export function message(id) {
  return h('p', { id, class: 'message', role: 'status', 'aria-live': 'polite' });
}

// say puts text in a status line and scrolls it into view: the outcome of
// an action shows where the user is looking, not above the fold.
export function say(el, text, kind = 'ok') {
  el.textContent = text;
  el.className = `message ${kind}`;
  el.setAttribute('role', kind === 'err' ? 'alert' : 'status');
  if (el.isConnected) el.scrollIntoView({ block: 'nearest' });
}

// hush empties a status line: the news of a former action goes when the
// user acts again, so that no stale "Saved." stands beside a new error.
export function hush(el) {
  el.textContent = '';
  el.className = 'message';
  el.setAttribute('role', 'status');
}

export function clearErrors(form) {
  for (const p of form.querySelectorAll('.field-error')) p.textContent = '';
  for (const i of form.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid');
}

// A field's error goes as soon as the user changes the field, in every form
// of the app: the input is no longer marked invalid, and the error it names
// (aria-describedby …-error) is emptied. The next submit checks again.
function fixed(ev) {
  const input = ev.target;
  if (!(input instanceof Element) || !input.hasAttribute('aria-describedby')) return;
  input.removeAttribute('aria-invalid');
  for (const id of input.getAttribute('aria-describedby').split(/\s+/)) {
    if (id.endsWith('-error')) document.getElementById(id)?.replaceChildren();
  }
}
document.addEventListener('input', fixed);
document.addEventListener('change', fixed);

// loadingRow is the one row of a table whose rows are on their way.
export function loadingRow(cols) {
  return h('tr', { class: 'loading' }, h('td', { colspan: cols }, t('common.loading')));
}

// labelCells gives every body cell of the tables in root the text of its
// column's header (data-label), which a phone shows before the cell when
// rows stack into cards. A header's label is its own text: a checkbox or a
// visually hidden word labels nothing. Cells spanning columns (a loading or
// empty row) get none.
export function labelCells(root) {
  for (const table of root.querySelectorAll('table')) {
    const heads = [...table.querySelectorAll('thead th')].map((th) =>
      [...th.childNodes].filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.textContent).join('').trim());
    if (!heads.length) continue;
    for (const tr of table.querySelectorAll('tbody tr')) {
      [...tr.cells].forEach((td, i) => {
        if (!td.hasAttribute('data-label')) td.setAttribute('data-label', td.colSpan > 1 ? '' : heads[i] || '');
      });
    }
  }
}

// checkForm shows, beside each field, what the browser can tell is wrong
// before anything is sent (empty, not an email, too short, the two
// passwords differ), all at once, and focuses the first; it returns
// whether the form may be sent. The server checks everything again.
export function checkForm(form) {
  let first = null;
  const bad = (input, key, vars) => {
    form.querySelector(`#${input.id}-error`).textContent = t(key, vars);
    input.setAttribute('aria-invalid', 'true');
    first ??= input;
  };
  for (const input of form.querySelectorAll('input')) {
    const v = input.validity;
    if (v.valueMissing) bad(input, 'err.validation_required');
    else if (v.typeMismatch && input.type === 'email') bad(input, 'err.validation_is_email');
    else if (v.tooShort) bad(input, 'err.too_short', { min: input.minLength });
  }
  const pw = form.elements.namedItem('password');
  const again = form.elements.namedItem('passwordConfirm');
  if (pw && again && again.value && pw.value !== again.value && !again.hasAttribute('aria-invalid')) {
    bad(again, 'err.validation_values_mismatch');
  }
  first?.focus();
  return first == null;
}

// fieldErrors puts the API's field errors beside their fields and focuses
// the first; it returns false when the error named no field of the form.
export function fieldErrors(form, err) {
  const data = err?.response?.data || {};
  let first = null;
  for (const [name, e] of Object.entries(data)) {
    const input = form.elements.namedItem(name);
    if (!input) continue;
    form.querySelector(`#${input.id}-error`).textContent = errorText(e, name);
    input.setAttribute('aria-invalid', 'true');
    first ??= input;
  }
  first?.focus();
  return first != null;
}

// errorText is one of the API's field errors in the user's language: the
// words for its code (for this field, or any) when the web app has them,
// else the server's own.
export function errorText(e, fieldName = '') {
  for (const key of [`err.${e?.code}.${fieldName}`, `err.${e?.code}`]) {
    if (has(key)) return t(key, e.params || {});
  }
  return e?.message || '';
}

// problem says what went wrong with a request, in the user's words.
export function problem(err) {
  if (err?.status === 0) return t('common.offline');
  return t('common.error');
}

// onSubmit runs send(values) when the form is submitted: the browser's
// checks first (nothing is sent if they fail), the button disabled
// meanwhile. A refusal is shown by refused(err) when it returns true, else
// beside the fields it names, else as a problem in status; what status
// said before goes at the submit.
export function onSubmit(form, status, send, refused = () => false) {
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    hush(status);
    clearErrors(form);
    if (!checkForm(form)) return;
    await busy(form, async () => {
      try {
        await send(Object.fromEntries(new FormData(form)));
      } catch (err) {
        if (!refused(err) && !fieldErrors(form, err)) say(status, problem(err), 'err');
      }
    });
  });
}

// confirmThen makes a click handler that asks question, then runs action
// and after; a failure of either shows in status.
export function confirmThen(question, status, action, after) {
  return async () => {
    if (!window.confirm(question)) return;
    try {
      await action();
      await after();
    } catch (err) {
      say(status, problem(err), 'err');
    }
  };
}

// busy disables a form's button while a request runs.
// clearSent empties the fields of a form that still hold what was sent:
// what was typed meanwhile stays (a list's realtime update may show the new
// row, and the user type the next, before the save's own answer arrives)
export function clearSent(form, sent) {
  for (const el of form.elements) {
    if (el.name in sent && el.value === sent[el.name]) el.value = el.defaultValue;
  }
}

export async function busy(form, fn) {
  const button = form.querySelector('button[type=submit]');
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.disabled = false;
  }
}

// downloadExport fetches a CSV the server streams (an export route of
// ours, as the signed-in user: the token goes in the header, never in a
// URL), tells progress(rows) as it comes, and offers it as filename once
// whole. It resolves to the number of rows under the header: line ends
// outside quotes, as a spreadsheet reads them. A refusal rejects with the
// API's error ({status, response}), as the SDK's calls do.
export async function downloadExport(path, filename, progress) {
  const res = await fetch(path, { headers: { Authorization: pb.authStore.token } }).catch(() => Promise.reject({ status: 0 }));
  if (!res.ok) throw { status: res.status, response: await res.json().catch(() => ({})) };
  const reader = res.body.getReader();
  const parts = [];
  let lines = 0;
  let quoted = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    for (const b of value) {
      if (b === 0x22) quoted = !quoted;
      else if (b === 0x0a && !quoted) lines++;
    }
    progress(Math.max(lines - 1, 0));
  }
  const link = h('a', { href: URL.createObjectURL(new Blob(parts, { type: 'text/csv' })), download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  return Math.max(lines - 1, 0);
}

// icon is one of the vendored icons (pb_public/icons, Lucide) in the colour
// of the text beside it: a CSS mask, so no markup comes from a file. It is
// hidden from screen readers: the words next to it, or the control's
// aria-label, name what it stands for.
export function icon(name) {
  const el = h('span', { class: 'icon', 'aria-hidden': 'true' });
  el.style.setProperty('--icon', `url("/icons/${name}.svg")`);
  return el;
}

// tabs are the links between the pages of one section, above each of them
// (the header has one link to the section, so that it stays one line):
// pages is a list of [address, words' key]; the current one is marked.
export function tabs(id, label, pages) {
  return h('nav', { class: 'tabs', id, 'aria-label': label },
    pages.map(([href, key]) => h('a', { href, 'data-link': true, 'aria-current': location.pathname === href ? 'page' : null }, t(key))));
}

// rowMenu folds a row's actions behind a "⋯" button (label names it for
// screen readers): a popover, so it never widens its table nor is cut by
// a scrolling one, opened by a click, Enter or Space, closed by Escape or
// a click elsewhere, focus back on the button. Choosing an action closes
// it first, so that a dialog the action opens gives focus back to the
// button, not to a hidden item.
let menus = 0;
export function rowMenu(label, ...items) {
  const id = `row-menu-${++menus}`;
  const open = h('button', { type: 'button', class: 'row-menu-button secondary', popovertarget: id, 'aria-label': label, title: label }, icon('ellipsis'));
  const list = h('div', { class: 'row-menu-items', id, popover: 'auto' }, items);
  open.style.setProperty('anchor-name', `--${id}`);
  list.style.setProperty('position-anchor', `--${id}`);
  list.addEventListener('click', (ev) => {
    if (!ev.target.closest('button, a')) return;
    list.hidePopover();
    open.focus();
  }, true);
  return h('span', { class: 'row-menu' }, open, list);
}
