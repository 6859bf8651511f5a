// The home page: for a visitor, what Postrider does and three random posts
// of the blog (whose pages the server renders, so its links load a page);
// for a user or a moderator, their numbers (dashboard.js).

import { pb, user } from '../api.js';
import { t, lang } from '../i18n.js';
import { h, problem } from '../ui.js';
import { signedInHome } from './dashboard.js';

export function home({ signal }) {
  const me = user();
  document.title = t('app.name');
  if (me) return signedInHome(me, signal);
  const posts = h('ul', { class: 'post-cards', id: 'home-posts', 'aria-busy': 'true' },
    h('li', { class: 'empty' }, t('common.loading')));
  showPosts(posts, signal);
  return h('div', {},
    h('section', { class: 'card' },
      h('h1', {}, t('app.name')),
      h('p', { class: 'lead' }, t('app.tagline')),
      h('p', {}, t('home.pitch')),
      h('ul', { class: 'features' }, ['home.feature1', 'home.feature2', 'home.feature3'].map((k) => h('li', {}, t(k)))),
      h('p', {}, h('a', { href: '/signup', 'data-link': true, class: 'button' }, t('nav.signup')), ' ',
        h('a', { href: '/login', 'data-link': true }, t('nav.login')))),
    h('section', { class: 'card', 'aria-labelledby': 'home-blog' },
      h('h2', { id: 'home-blog' }, t('home.fromBlog')),
      posts,
      h('p', {}, h('a', { href: '/blog' }, t('home.allPosts')))));
}

async function showPosts(list, signal) {
  try {
    const { items } = await pb.send('/api/postrider/posts/random', { signal });
    list.replaceChildren(...(items.length ? items.map(postCard) : [h('li', { class: 'empty' }, t('home.noPosts'))]));
  } catch (err) {
    list.replaceChildren(h('li', { class: 'message err', role: 'alert' }, problem(err)));
  }
  list.removeAttribute('aria-busy');
}

function postCard(p) {
  const href = `/blog/${encodeURIComponent(p.slug)}`;
  // in UTC, as the blog's pages give it
  const date = new Date(p.published_at).toLocaleDateString(lang(), { year: 'numeric', month: 'long', day: 'numeric', timeZone: 'UTC' });
  return h('li', {},
    p.image ? h('a', { href, tabindex: '-1', 'aria-hidden': 'true' }, h('img', { src: p.image, alt: '', width: 640, height: 360, loading: 'lazy' })) : null,
    h('h3', {}, h('a', { href }, p.title)),
    h('p', { class: 'post-meta' }, h('time', { datetime: p.published_at }, date)),
    h('p', {}, p.excerpt));
}
