// The recipients of the mailing form: its lists (boxes to tick), clients
// picked through a search, and how many people they reach now.

import { pb } from '../api.js';
import { t } from '../i18n.js';
import { h, problem } from '../ui.js';
import { debounced } from '../visit.js';

// countRecipients counts the clients a mailing reaches now (in its lists or
// picked, once each, not unsubscribed); null when it cannot be told
async function countRecipients(lists, picked, signal) {
  if (!lists.length && !picked.length) return 0;
  try {
    const res = await pb.send('/api/postrider/mailings/reach', { method: 'POST', body: { lists, clients: picked }, signal });
    return res.recipients;
  } catch {
    return null;
  }
}

// recipientsField is the fieldset; show(lists, ticked, clients) fills it
// with every list (ticked where the mailing has it) and the clients picked.
// lists() and clients() are the ids chosen; spots names, for the API's
// errors of "lists" and "clients", the input to mark and where to say it.
export function recipientsField(signal) {
  const listBoxes = h('div', { class: 'checks', id: 'mailing-lists' });
  const picked = new Map(); // id → email
  const chosen = h('ul', { class: 'chips', id: 'mailing-picked' });
  const pickSearch = h('input', { type: 'search', id: 'pick-search', 'aria-label': t('mailings.pickSearch'), placeholder: t('mailings.pickSearch') });
  const pickResults = h('ul', { class: 'results', id: 'pick-results', 'aria-live': 'polite' });
  const reach = h('p', { id: 'mailing-reach', 'aria-live': 'polite' });

  function pick(id, email) {
    picked.set(id, email);
    renderPicked();
    countReach();
  }

  function renderPicked() {
    chosen.replaceChildren(...[...picked].map(([cid, email]) => h('li', {}, email, ' ',
      h('button', { type: 'button', class: 'link', 'aria-label': t('mailings.unpick', { email }), onclick: () => { picked.delete(cid); renderPicked(); countReach(); } }, '×'))));
  }

  pickSearch.addEventListener('input', debounced(signal, 200, async () => {
    const q = pickSearch.value.trim();
    if (!q) return pickResults.replaceChildren();
    // the clients page's search: words of the email, name or comment that
    // start with what was typed, from its index (not every client read)
    let res;
    try {
      res = await pb.send(`/api/postrider/clients/page?${new URLSearchParams({ q, perPage: 10 })}`, { signal });
    } catch (err) {
      if (signal.aborted) return;
      return pickResults.replaceChildren(h('li', { class: 'help' }, problem(err)));
    }
    // (a search of more than 10,000 matches has no total: say to type more)
    const more = res.totalItems < 0 ? [h('li', { class: 'help' }, t('mailings.pickMore'))] : [];
    pickResults.replaceChildren(...res.items.map((c) => h('li', {}, h('button', { type: 'button', class: 'link', onclick: () => pick(c.id, c.email) },
      `${c.email}${c.name ? ` (${c.name})` : ''}`))), ...more);
  }));

  function lists() {
    return [...listBoxes.querySelectorAll('input:checked')].map((c) => c.value);
  }

  // how many people the mailing reaches now: clients in its lists or picked,
  // once each; only the answer to the latest question is shown
  // (a warning when that is no one: the server refuses a mailing naming no
  // list and no client, but saves one whose lists are empty for now)
  let asked = 0;
  async function countReach() {
    const ask = ++asked;
    const ids = lists();
    const n = await countRecipients(ids, [...picked.keys()], signal);
    if (ask !== asked) return;
    const none = !ids.length && !picked.size;
    reach.textContent = n == null ? '' : none ? t('mailings.reachNone') : n === 0 ? t('mailings.reachZero') : t('mailings.reach', { n });
    reach.className = n === 0 ? 'help warn' : 'help';
  }

  function show(all, ticked, clients) {
    for (const c of clients) picked.set(c.id, c.email);
    listBoxes.replaceChildren(...all.map((l) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: l.id, checked: ticked.includes(l.id), onchange: countReach }), ` ${l.name}`)));
    renderPicked();
    countReach();
  }

  const element = h('fieldset', {}, h('legend', {}, t('mailings.recipients')),
    h('p', { class: 'help' }, t('mailings.listsHelp')), listBoxes,
    h('p', { class: 'field-error', id: 'mailing-lists-error', 'aria-live': 'polite' }),
    h('label', { for: 'pick-search' }, t('mailings.picked')), pickSearch, pickResults, chosen,
    h('p', { class: 'field-error', id: 'mailing-clients-error', 'aria-live': 'polite' }),
    reach);
  const spots = () => ({
    lists: [listBoxes.querySelector('input') || pickSearch, 'mailing-lists-error'],
    clients: [pickSearch, 'mailing-clients-error'],
  });
  return { element, show, lists, clients: () => [...picked.keys()], spots };
}
