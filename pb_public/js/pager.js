// The pager under a paged table: Previous, "page x of y (n …)", Next.

import { t, tn } from './i18n.js';
import { h } from './ui.js';

// pager is the pager's nav, empty until showPage fills it.
export function pager() {
  return h('nav', { class: 'pager', 'aria-label': t('clients.pages') });
}

// showPage fills nav for res, a page of the API ({page, perPage,
// totalPages, totalItems}): its line says words (a key taking page, pages
// and total, with forms for the count: i18n.js tn),
// with lineId when given; Previous and Next run load(page). A page
// without its totals (-1, as PocketBase's lists with skipTotal: a clients
// search of more than 10,000 matches) says so, and offers Next while a
// page comes back full.
export function showPage(nav, res, words, load, lineId = null) {
  const uncounted = res.totalItems < 0;
  const line = uncounted ? t('pager.pageOfMore', { page: res.page })
    : tn(words, res.totalItems, { page: res.page, pages: Math.max(res.totalPages, 1) });
  const last = uncounted ? res.items.length < res.perPage : res.page >= res.totalPages;
  nav.replaceChildren(
    h('button', { type: 'button', class: 'secondary', disabled: res.page <= 1, onclick: () => load(res.page - 1) }, t('clients.prev')),
    h('span', { class: 'page-of', id: lineId }, line),
    h('button', { type: 'button', class: 'secondary', disabled: last, onclick: () => load(res.page + 1) }, t('clients.next')));
}

// afterRows remembers the last row of each page shown, for a route that
// starts a page after a row (the log's after=): after(page) is the row the
// page starts after ('' for the first, or one never reached by Next),
// shown(page, items) records the page's last row. Page 500 then costs the
// server what page 1 does.
export function afterRows() {
  const last = new Map();
  return {
    after: (page) => (page > 1 && last.get(page - 1)) || '',
    shown: (page, items) => { if (items.length) last.set(page, items[items.length - 1].id); },
  };
}
