// The blog's pages are rendered on the server (pb_hooks/blog/); this adds
// the language switch, which the web app shares, the phone's menu button,
// the signed-in reader's links (the login lives in this browser, which the
// server does not see), and the beacon that counts a read of a post
// (crawlers and link previews run no script, so they add none).

const storageKey = 'postrider.lang'; // the web app's, in i18n.js

// the server reads the choice from the lang cookie
function remember(l) {
  localStorage.setItem(storageKey, l);
  document.cookie = `lang=${l}; path=/; max-age=31536000; samesite=lax`;
}

// the same page again, without a ?lang= that would override the choice
function reload() {
  const url = new URL(location.href);
  url.searchParams.delete('lang');
  location.replace(url);
}

const select = document.getElementById('lang');
select?.addEventListener('change', () => {
  remember(select.value);
  reload();
});

// a language chosen in the web app before it set the cookie
const chosen = localStorage.getItem(storageKey);
if (chosen && chosen !== document.documentElement.lang && !document.cookie.split('; ').includes(`lang=${chosen}`)) {
  remember(chosen);
  reload();
}

const post = document.querySelector('[data-view]');
if (post) navigator.sendBeacon(post.dataset.view);

// without this script the phone shows the links unfolded
const menu = document.getElementById('menu');
if (menu) {
  menu.hidden = false;
  menu.addEventListener('click', () => menu.setAttribute('aria-expanded', String(menu.getAttribute('aria-expanded') !== 'true')));
}

// the web app's login (the SDK's auth store) swaps Log in / Sign up for
// the reader's own pages, the web app's links (a moderator's too), and
// Log out, which forgets the login as the web app's does
const authKey = 'pocketbase_auth';
let auth = null;
try {
  auth = JSON.parse(localStorage.getItem(authKey) || 'null');
} catch { /* no login kept */ }
const signedIn = Boolean(auth?.token);
for (const a of document.querySelectorAll('[data-visitor]')) a.hidden = signedIn;
for (const a of document.querySelectorAll('[data-member]')) a.hidden = !signedIn;
for (const a of document.querySelectorAll('[data-moderator]')) a.hidden = !(signedIn && auth?.record?.role === 'moderator');
document.getElementById('logout')?.addEventListener('click', () => {
  localStorage.removeItem(authKey);
  location.reload();
});
