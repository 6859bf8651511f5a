// The mailing form: the subject, the body, the recipients and the windows,
// saved together or not at all, with a Preview of what is typed.

import { pb, user } from '../api.js';
import { t } from '../i18n.js';
import { h, field, message, say, hush, clearErrors, checkForm, errorText, problem, busy } from '../ui.js';
import { cleanBody } from '../sanitize.js';
import { userZone } from '../zone.js';
import { previewSection } from './preview.js';
import { titled } from './mailing-status.js';
import { bodyField } from './mailing-body.js';
import { recipientsField } from './mailing-recipients.js';
import { windowsField, windowErrors } from './mailing-windows.js';

// makeId is a record id as PocketBase makes them: 15 of a-z0-9
function makeId() {
  const abc = 'abcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(crypto.getRandomValues(new Uint8Array(15)), (b) => abc[b % abc.length]).join('');
}

export function editMailing({ go, signal }) {
  const id = new URLSearchParams(location.search).get('id');
  const mailingId = id || makeId(); // a new mailing's id is made here, for its windows to name
  const status = message('mailing-status');
  const subject = field('mailing', 'subject', { label: t('field.subject'), required: true });
  const body = bodyField(subject.querySelector('input'));
  const recipients = recipientsField(signal);
  const windows = windowsField(userZone());
  const sender = senderField();
  const once = h('input', { type: 'checkbox', id: 'mailing-once', name: 'once_per_client', 'aria-describedby': 'mailing-once-help' });
  const form = h('form', { id: 'mailing', novalidate: true },
    subject,
    sender.element, body.element, recipients.element,
    h('div', { class: 'field' }, h('label', { class: 'check', for: once.id }, once, t('mailings.oncePerClient')),
      h('p', { class: 'help', id: 'mailing-once-help' }, t('mailings.oncePerClientHelp'))),
    windows.element);
  const values = () => ({ subject: form.elements.subject.value, sender: sender.select.value, body: cleanBody(body.editor.innerHTML),
    lists: recipients.lists(), clients: recipients.clients(), once_per_client: once.checked });
  const mailingErrors = (errs) => showMailingErrors(form, errs, {
    body: [body.editor, 'mailing-body-error'], sender: [sender.select, 'mailing-sender-error'], ...recipients.spots() });
  form.append(
    // what is typed, as a recipient will get it, before it is saved (the
    // test send is the saved mailing's, on its page)
    previewSection({
      prefix: 'draft-preview', auto: false, hint: t(id ? 'preview.helpEdit' : 'preview.helpNew'),
      render: (client) => pb.send('/api/postrider/mailings/preview', { method: 'POST', body: { ...values(), client }, signal }),
      refused: (err) => mailingErrors(err?.response?.data || {}),
    }),
    h('button', { type: 'submit' }, t('common.save')));

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    hush(status);
    if (!checked(form, body.editor)) return;
    const data = values();
    await busy(form, async () => {
      const { batch, parts } = saving(id, mailingId, data, windows);
      try {
        await batch.send();
      } catch (err) {
        const shown = await showRefusals(err, parts, mailingErrors, (refused) => trial(id, mailingId, data, windows, refused));
        if (shown) form.querySelector('[aria-invalid=true]')?.focus();
        else say(status, problem(err), 'err');
        return;
      }
      go(`/mailing?id=${mailingId}`);
    });
  });

  load(id, { go, signal, form, body, recipients, windows, sender }).catch((err) => say(status, problem(err), 'err'));
  return titled(id ? 'mailings.edit' : 'mailings.new', form, status);
}

// saving is the mailing and its windows as one batch: PocketBase runs the
// requests of a batch in one transaction, each through its collection's
// rules and our hooks, so a refused window leaves no mailing behind and
// nothing needs checking twice (a route of ours would repeat every check).
// A new mailing's id is made by the form, so that its windows can name it
// in the same batch; the windows removed go first (a mailing left with
// welcome windows only may drop its lists). parts[i] tells what request i
// saves: 'mailing', a window's row, or null (a window removed); the
// windows in skip are left out. A batch and its parts given are added to.
function saving(id, mailingId, data, windows, { batch = pb.createBatch(), parts = [], skip } = {}) {
  windows.removeInto(batch, parts);
  parts.push('mailing');
  if (id) batch.collection('mailings').update(id, data);
  else batch.collection('mailings').create({ id: mailingId, ...data });
  windows.saveInto(batch, mailingId, parts, skip);
  return { batch, parts };
}

// plain are harmless values of a new mailing's fields, which a trial puts
// in place of those refused.
const plain = { subject: 'x', body: '<p>x</p>', sender: '', lists: [], clients: [], once_per_client: false };

// trial is a batch that checks the windows a refused save never reached
// (a batch stops at its first refusal) and saves nothing: the mailing with
// its refused fields set aside (an edit keeps their saved values), the
// windows not refused yet (one that would send to a mailing naming no one
// is refused so, shown beside the lists), and last a request bound to fail
// (deleting a mailing that is not there), which rolls the whole batch back.
function trial(id, mailingId, data, windows, refused) {
  const batch = pb.createBatch();
  const parts = [];
  const stand = { ...data };
  for (const f of refused.fields || []) {
    if (id) delete stand[f];
    else if (f in plain) stand[f] = plain[f];
  }
  saving(id, mailingId, stand, windows, { batch, parts, skip: refused.rows });
  batch.collection('mailings').delete(makeId());
  parts.push('end');
  return { batch, parts };
}

// senderField is the picker of the mailing's sender: the owner themself, or
// one of their verified senders; a sender the mailing names that is not
// verified now stays shown as it is (the mailing goes out as its owner
// meanwhile), so that saving another change keeps it.
function senderField() {
  const select = h('select', { id: 'mailing-sender', name: 'sender', 'aria-describedby': 'mailing-sender-help mailing-sender-error' });
  const element = h('div', { class: 'field' },
    h('label', { for: select.id }, t('senders.pick')), select,
    h('p', { class: 'help', id: 'mailing-sender-help' }, t('senders.pickHelp'), ' ',
      h('a', { href: '/senders', 'data-link': true }, t('senders.manage'))),
    h('p', { class: 'field-error', id: 'mailing-sender-error', 'aria-live': 'polite' }));
  function show(senders, chosen) {
    const label = (s) => `${s.name} <${s.email}>`;
    select.replaceChildren(h('option', { value: '' }, t('senders.none')),
      ...senders.filter((s) => s.verified || s.id === chosen).map((s) => h('option', { value: s.id, selected: s.id === chosen },
        s.verified ? label(s) : `${label(s)} — ${t('senders.unverified')}`)));
  }
  return { element, select, show };
}

// checked shows what the browser can tell is wrong before sending (an
// empty body too, which is no input) and tells whether the form may go.
function checked(form, editor) {
  clearErrors(form);
  form.querySelector('#mailing-body-error').textContent = '';
  let ok = checkForm(form);
  if (!editor.textContent.trim()) {
    form.querySelector('#mailing-body-error').textContent = t('err.validation_required');
    ok = false;
  }
  return ok;
}

// showRefusals puts the errors of a refused batch (which saved nothing)
// beside their fields, the mailing's or window N's, keeping everything
// typed; then those of the windows after the refused part, which the batch
// never reached, through trial batches (retry(refused) makes one), until
// none is left unchecked. It tells whether any error was shown.
async function showRefusals(err, parts, mailingErrors, retry) {
  const refused = { fields: null, rows: new Set() };
  const unchecked = (i) => parts.slice(Number(i) + 1).some((p) => p instanceof Element && !refused.rows.has(p));
  let shown = false;
  for (;;) {
    const [i, e] = Object.entries(err?.response?.data?.requests || {})[0] || [];
    const part = parts[i];
    const errs = e?.response?.data || {};
    if (part === 'mailing' && !refused.fields) {
      shown = mailingErrors(errs) || shown;
      refused.fields = Object.keys(errs);
    } else if (part instanceof Element && !refused.rows.has(part)) {
      // a window that sends to the mailing's own lists and clients when it
      // names none: the error belongs beside the recipients
      const { mailing: noOne, ...own } = errs;
      if (noOne?.code === 'validation_no_recipients') shown = mailingErrors({ lists: noOne }) || shown;
      shown = windowErrors(part, own) || shown;
      refused.rows.add(part);
    } else {
      return shown;
    }
    if (!unchecked(i)) return shown;
    const next = retry(refused);
    parts = next.parts;
    try {
      await next.batch.send();
      return shown; // cannot be: the trial's last request fails
    } catch (again) {
      err = again;
    }
  }
}

// showMailingErrors puts the API's errors of the mailing's own fields beside
// them (spots names the body, the lists and the picked clients, which are
// no plain inputs) and focuses the first; it tells whether any was shown.
function showMailingErrors(form, errs, spots) {
  spots.subject = [form.elements.subject, 'mailing-subject-error'];
  let first = null;
  for (const [name, e] of Object.entries(errs)) {
    if (!spots[name]) continue;
    const [input, errorId] = spots[name];
    form.querySelector(`#${errorId}`).textContent = errorText(e, name);
    input.setAttribute('aria-invalid', 'true');
    first ??= input;
  }
  first?.focus();
  return first != null;
}

// load fills the form: a saved mailing's subject, body, recipients and
// windows, or a new mailing's one window.
async function load(id, { go, signal, form, body, recipients, windows, sender }) {
  const [lists, senders] = await Promise.all([pb.collection('lists').getFullList({ sort: 'name', signal }),
    pb.collection('senders').getFullList({ sort: 'name,email', signal })]);
  windows.setLists(lists);
  if (!id) {
    windows.add();
    recipients.show(lists, [], []);
    sender.show(senders, '');
    return;
  }
  const m = await pb.collection('mailings').getOne(id, { signal });
  // the owner's only: a moderator reviews another user's mailing on the
  // read-only page, which loads none of its remote images (the editor
  // would load them all, and a tracking pixel would see the moderator)
  if (m.owner !== user().id) return go(`/moderation/mailing?id=${id}`);
  form.elements.subject.value = m.subject;
  form.elements.once_per_client.checked = m.once_per_client;
  sender.show(senders, m.sender);
  body.editor.innerHTML = cleanBody(m.body);
  const clients = m.clients.length
    ? await pb.collection('clients').getFullList({ filter: m.clients.map((c) => pb.filter('id = {:c}', { c })).join(' || '), signal })
    : [];
  const ws = await pb.collection('schedules').getFullList({ filter: pb.filter('mailing = {:m}', { m: id }), sort: 'starts_at', signal });
  ws.forEach((w) => windows.add(w));
  recipients.show(lists, m.lists, clients);
}
