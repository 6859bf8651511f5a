// The web app: one page, its views chosen by the address (the server
// answers every unknown path with index.html).

import { pb, user } from './api.js';
import { t, lang, setLang, languages } from './i18n.js';
import { h, labelCells, icon } from './ui.js';
import * as auth from './views/auth.js';
import { lists } from './views/lists.js';
import { senders } from './views/senders.js';
import { clients } from './views/clients.js';
import { clientsImport } from './views/import.js';
import { mailings } from './views/mailings.js';
import { editMailing } from './views/mailing-form.js';
import { mailing } from './views/mailing-page.js';
import { logs } from './views/logs.js';
import { domains } from './views/domains.js';
import { home } from './views/home.js';
import { modMailings, modMailing, modUsers, modLog } from './views/moderation.js';
import { modApprovals } from './views/approvals.js';
import { calendar } from './views/calendar.js';

// path → view; needsAuth views send anonymous visitors to the login page
const routes = {
  '/': { view: home },
  '/signup': { view: auth.signup },
  '/login': { view: auth.login },
  '/confirm': { view: auth.confirm },
  '/forgot': { view: auth.forgot },
  '/reset-password': { view: auth.resetPassword },
  '/profile': { view: auth.profile, needsAuth: true },
  '/clients': { view: clients, needsAuth: true },
  '/clients/import': { view: clientsImport, needsAuth: true },
  '/lists': { view: lists, needsAuth: true },
  '/senders': { view: senders, needsAuth: true },
  '/mailings': { view: mailings, needsAuth: true },
  '/mailings/edit': { view: editMailing, needsAuth: true },
  '/mailing': { view: mailing, needsAuth: true },
  '/logs': { view: logs, needsAuth: true },
  '/calendar': { view: calendar, needsAuth: true },
  '/domains': { view: domains, needsAuth: true },
  '/moderation/mailings': { view: modMailings, needsAuth: true },
  '/moderation/mailing': { view: modMailing, needsAuth: true },
  '/moderation/approvals': { view: modApprovals, needsAuth: true },
  '/moderation/users': { view: modUsers, needsAuth: true },
  '/moderation/log': { view: modLog, needsAuth: true },
};

const main = document.getElementById('app');
const header = document.getElementById('header');

export function go(path) {
  history.pushState({}, '', path);
  render();
}

// the view shown: its visit ends (its signal aborts) when another is drawn
let visit = new AbortController();

function render() {
  visit.abort();
  visit = new AbortController();
  const { signal } = visit;
  // a view that outlives its visit (an answer that comes late) goes nowhere
  const leave = (path) => {
    if (!signal.aborted) go(path);
  };
  const route = routes[location.pathname] || { view: notFound };
  renderHeader();
  refreshAccount();
  main.replaceChildren();
  if (route.needsAuth && !user()) {
    main.append(h('p', { class: 'message err', role: 'alert' }, t('auth.required')));
    main.append(auth.login({ go: leave, signal }));
    return;
  }
  main.append(route.view({ go: leave, signal }));
  main.querySelector('h1')?.setAttribute('tabindex', '-1');
}

function renderHeader() {
  const me = user();
  // a link is the current page's at its address, or anywhere under one of
  // its section's addresses; its icon (pb_public/icons) before its words
  const link = (href, label, name, sections = []) => h('a', { href, 'data-link': true,
    'aria-current': location.pathname === href || sections.some((s) => location.pathname.startsWith(s)) ? 'page' : null }, icon(name), label);
  // the account's two, at the end: on a desktop their icons alone (the
  // words a tooltip and what a screen reader says), so that the nav stays
  // one line; the phone's menu shows the words
  const quiet = (label) => h('span', { class: 'quiet' }, label);
  const profile = link('/profile', quiet(t('nav.profile')), 'circle-user');
  profile.title = t('nav.profile');
  const logout = h('button', { type: 'button', class: 'link', id: 'logout', title: t('nav.logout') }, icon('log-out'), quiet(t('nav.logout')));
  logout.addEventListener('click', () => {
    pb.authStore.clear();
    go('/');
  });
  const switcher = h('select', { id: 'lang', 'aria-label': t('nav.language') },
    Object.entries(languages).map(([code, name]) => h('option', { value: code, selected: code === lang() }, name)));
  switcher.addEventListener('change', () => {
    setLang(switcher.value);
    render();
  });
  // on a phone the nav folds behind this button (style.css shows it there)
  const menu = h('button', { type: 'button', class: 'menu secondary', id: 'menu', 'aria-expanded': 'false', 'aria-controls': 'nav' }, t('nav.menu'));
  menu.addEventListener('click', () => menu.setAttribute('aria-expanded', String(menu.getAttribute('aria-expanded') !== 'true')));
  // the skip link, outside the app, follows the language too
  document.querySelector('.skip').textContent = t('nav.skip');
  header.replaceChildren(
    h('a', { href: '/', 'data-link': true, class: 'brand' }, t('app.name')),
    menu,
    h('nav', { id: 'nav', 'aria-label': t('nav.main') },
      link('/', t('nav.home'), 'house'),
      h('a', { href: '/blog' }, icon('newspaper'), t('nav.blog')),
      me ? [link('/mailings', t('nav.mailings'), 'mail'), link('/calendar', t('nav.calendar'), 'calendar'), link('/clients', t('nav.clients'), 'users'),
        link('/lists', t('nav.lists'), 'list'), link('/senders', t('nav.senders'), 'at-sign', ['/domains']),
        link('/logs', t('nav.logs'), 'scroll-text'),
        me.role === 'moderator' ? link('/moderation/mailings', t('nav.moderation'), 'shield', ['/moderation/']) : null,
        profile, logout]
        : [link('/login', t('nav.login'), 'log-in'), link('/signup', t('nav.signup'), 'user-plus')],
    ),
    switcher,
  );
}

function notFound() {
  document.title = t('notfound.title');
  return h('section', { class: 'card' }, h('h1', {}, t('notfound.title')), h('p', {}, t('notfound.text')));
}

// in-app links change the view without reloading the page; the focus goes
// to the new page's heading (the link that had it is gone with the old
// header), where a keyboard or screen reader user reads on, unless the
// view put it in a field of its own
document.addEventListener('click', (ev) => {
  const a = ev.target.closest('a[data-link]');
  if (!a || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.button !== 0) return;
  ev.preventDefault();
  go(a.getAttribute('href'));
  if (!main.contains(document.activeElement)) main.querySelector('h1')?.focus();
});
window.addEventListener('popstate', render);
// every table's cells carry their column's name, for a phone's stacked rows
new MutationObserver(() => labelCells(main)).observe(main, { childList: true, subtree: true });
// the account as the server has it now: a role given or taken while the
// app is open (made a moderator) shows in the header at the next page or
// on coming back to the tab, without a new login (a blocked account's
// refresh is refused, which ends its session: api.js). The answer is kept
// only for the session that asked (not after a logout meanwhile).
async function refreshAccount() {
  const token = pb.authStore.token;
  if (!user()) return;
  try {
    const res = await pb.send('/api/collections/users/auth-refresh', { method: 'POST' });
    // saved (the header drawn again) only when the account changed
    const changed = JSON.stringify(res.record) !== JSON.stringify(pb.authStore.record);
    if (pb.authStore.token === token && changed) pb.authStore.save(res.token, res.record);
  } catch {
    // offline, or a session ended (api.js handles that)
  }
}
window.addEventListener('focus', refreshAccount);
pb.authStore.onChange(() => renderHeader());

render();
