// A mailing's Preview: the message as one of its recipients gets it (the
// subject, the HTML, the plain text), a picker of recipients, and on a
// saved mailing "Send a test" to the owner's own address. On the mailing's
// page it shows what is saved; in the form, what is typed.

import { t } from '../i18n.js';
import { h, say, errorText, problem } from '../ui.js';
import { cleanBody } from '../sanitize.js';

// refusal says why the server refused a preview or a test, in the user's
// words: the field error it names, the limit of a few tests a minute, or
// a problem.
function refusal(err) {
  if (err?.status === 429) return t('preview.tooMany');
  const [name, e] = Object.entries(err?.response?.data || {})[0] || [];
  return e ? errorText(e, name) : problem(err);
}

// breakable is a plain text with a place to break after each slash: a
// link longer than a phone's line breaks between its parts, not
// mid-word.
function breakable(text) {
  return text.split(/(?<=\/)/).flatMap((part, i) => (i ? [h('wbr'), part] : [part]));
}

// clientLabel is how a recipient reads in the picker.
function clientLabel(c) {
  return c.name ? `${c.name} <${c.email}>` : c.email;
}

// previewSection makes the panel. render(client) answers {subject, html,
// text, clients} for a client's id ('' for the sample); send(client), when
// given, sends the test and answers {sent_to}. The panel's elements are
// named from prefix (its HTML view is htmlId). With auto it renders at
// once; else at a click on its Show button (a form's draft changes as it is
// typed). refused(err) may show a refusal elsewhere (beside the form's
// fields) and return true.
export function previewSection({ prefix, render, send = null, hint, htmlId = `${prefix}-html`, auto = true, refused = () => false }) {
  const picker = h('select', { id: `${prefix}-client` });
  const pickerField = h('div', { class: 'field', hidden: true }, h('label', { for: picker.id }, t('preview.recipient')), picker);
  const status = h('p', { id: `${prefix}-status`, class: 'message', role: 'status', 'aria-live': 'polite' });
  const subject = h('strong', { id: `${prefix}-subject` });
  const from = h('strong', { id: `${prefix}-from` });
  const replyTo = h('strong', { id: `${prefix}-reply-to` });
  const replyLine = h('p', { class: 'mail-subject' }, h('span', {}, t('senders.replyToShown')), ' ', replyTo);
  const html = h('div', { class: 'preview', id: htmlId, role: 'tabpanel', 'aria-labelledby': `${prefix}-tab-html`, hidden: true });
  const text = h('pre', { class: 'mail-text', id: `${prefix}-text`, role: 'tabpanel', 'aria-labelledby': `${prefix}-tab-text`, hidden: true });
  const tab = (name, panel) => h('button', { type: 'button', role: 'tab', id: `${prefix}-tab-${name}`, 'aria-controls': panel.id,
    'aria-selected': name === 'html' ? 'true' : 'false', onclick: () => showTab(name) }, t(`preview.${name}`));
  // the tabs: a click or the arrow keys switch; Tab goes to the shown one
  const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': t('preview.format'), onkeydown: (ev) => {
    if (ev.key !== 'ArrowLeft' && ev.key !== 'ArrowRight') return;
    showTab(current === 'html' ? 'text' : 'html');
    tabs.querySelector('[aria-selected=true]').focus();
  } }, tab('html', html), tab('text', text));
  // the HTML at a desktop's width or a phone's (375 px)
  const width = (name) => h('button', { type: 'button', class: 'secondary', id: `${prefix}-width-${name}`, 'aria-pressed': String(name === 'desktop'),
    onclick: () => {
      html.classList.toggle('phone-width', name === 'phone');
      for (const b of widths.children) b.setAttribute('aria-pressed', String(b === widths.querySelector(`#${prefix}-width-${name}`)));
    } }, t(`preview.${name}`));
  const widths = h('div', { class: 'toolbar', role: 'group', 'aria-label': t('preview.width') }, width('desktop'), width('phone'));
  const view = h('div', { id: `${prefix}-view`, hidden: true },
    h('p', { class: 'mail-subject' }, h('span', {}, t('senders.from')), ' ', from), replyLine,
    h('p', { class: 'mail-subject' }, h('span', {}, t('preview.subject')), ' ', subject), tabs, widths, html, text);
  const showButton = auto ? null : h('button', { type: 'button', class: 'secondary', id: `${prefix}-show`, onclick: () => refresh() }, t('preview.show'));

  let current = 'html';
  function showTab(name) {
    current = name;
    for (const b of tabs.children) {
      const on = b.id === `${prefix}-tab-${name}`;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    html.hidden = name !== 'html';
    text.hidden = name !== 'text';
  }

  // chosen is the recipient shown ('' for the sample; null before the
  // first answer): a real recipient when the mailing has any, the sample
  // when it has none yet
  let chosen = null;

  // the test goes to the owner's own confirmed address, as the chosen
  // recipient would get it; the answer shows beside the button
  const sent = h('p', { id: `${prefix}-sent`, class: 'message', role: 'status', 'aria-live': 'polite' });
  const sendButton = send ? h('button', { type: 'button', class: 'secondary', id: `${prefix}-send`, disabled: true, onclick: async () => {
    sendButton.disabled = true;
    sent.textContent = '';
    try {
      const res = await send(chosen ?? '');
      say(sent, t('preview.sent', { email: res.sent_to }), 'ok');
    } catch (err) {
      say(sent, refusal(err), 'err');
    } finally {
      sendButton.disabled = false;
    }
  } }, t('preview.send')) : null;

  // only the answer to the latest question shows
  let asked = 0;
  async function refresh() {
    const ask = ++asked;
    if (showButton) showButton.disabled = true;
    if (view.hidden) {
      status.textContent = t('common.loading');
      status.className = 'message';
    }
    try {
      const res = await render(chosen ?? '');
      if (ask !== asked) return;
      const ids = res.clients.map((c) => c.id);
      if (ids.length && !ids.includes(chosen)) {
        chosen = ids[0];
        return await refresh();
      }
      if (!ids.length && chosen) {
        chosen = '';
        return await refresh();
      }
      chosen ??= '';
      picker.replaceChildren(...(ids.length
        ? res.clients.map((c) => h('option', { value: c.id, selected: c.id === chosen }, clientLabel(c)))
        : [h('option', { value: '' }, t('preview.sample'))]));
      pickerField.hidden = false;
      from.textContent = res.from;
      replyTo.textContent = res.reply_to;
      replyLine.hidden = !res.reply_to;
      subject.textContent = res.subject;
      html.innerHTML = cleanBody(res.html); // user HTML: sanitized, as the body is everywhere
      text.replaceChildren(...breakable(res.text));
      status.textContent = '';
      status.className = 'message';
      view.hidden = false;
      showTab(current);
      if (showButton) showButton.textContent = t('preview.update');
      if (sendButton) sendButton.disabled = false;
    } catch (err) {
      if (ask !== asked) return;
      if (!refused(err)) say(status, refusal(err), 'err');
    } finally {
      if (showButton && ask === asked) showButton.disabled = false;
    }
  }
  picker.addEventListener('change', () => {
    chosen = picker.value;
    refresh();
  });

  if (auto) refresh();
  return h('section', { class: 'panel mail-preview', id: prefix, 'aria-labelledby': `${prefix}-heading` },
    h('h2', { id: `${prefix}-heading` }, t('preview.title')),
    h('p', { class: 'help' }, hint),
    h('div', { class: 'preview-controls' }, pickerField, showButton),
    status, view,
    sendButton ? h('div', { class: 'test-send' }, sendButton, sent) : null);
}
