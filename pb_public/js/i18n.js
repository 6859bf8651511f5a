// The web app's words, in English and Russian: the server's own files
// (internal/words/en.json, ru.json), which the blog, the unsubscribe page
// and the mail footer read too. Both are loaded here, before any module
// that imports this one runs, so that the first page shows words, never
// keys, and switching language is at once. The choice is remembered in
// this browser; the first visit follows the browser's language.

const codes = ['en', 'ru'];

// load is one language's words, or none when the server cannot give
// them: t() then shows keys rather than no page at all.
async function load(code) {
  try {
    const res = await fetch(`/i18n/${code}.json`);
    if (res.ok) return await res.json();
    console.error(`The words of ${code} could not be loaded: ${res.status}`);
  } catch (err) {
    console.error(`The words of ${code} could not be loaded:`, err);
  }
  return {};
}

const words = Object.fromEntries(await Promise.all(codes.map(async (code) => [code, await load(code)])));

const storageKey = 'postrider.lang';

// each language's name in itself
export const languages = Object.fromEntries(codes.map((code) => [code, words[code][`lang.${code}`] ?? code]));

let current = localStorage.getItem(storageKey) ||
  ((navigator.language || '').toLowerCase().startsWith('ru') ? 'ru' : 'en');
if (!words[current]) current = 'en';
document.documentElement.lang = current;

export function lang() {
  return current;
}

export function setLang(l) {
  if (!words[l]) return;
  current = l;
  localStorage.setItem(storageKey, l);
  rememberForServer(l);
  document.documentElement.lang = l;
}

// the blog's pages are rendered on the server, which reads the choice
// from this cookie (pb_public/js/blog.js sets both too)
function rememberForServer(l) {
  document.cookie = `lang=${l}; path=/; max-age=31536000; samesite=lax`;
}
if (localStorage.getItem(storageKey)) rememberForServer(current);

// t returns the words for key in the current language, with {name}
// placeholders filled from vars. An unknown key comes back as it is.
export function t(key, vars = {}) {
  const s = words[current][key] ?? words.en[key] ?? key;
  // {word} takes a value; a mailing's {{placeholder}} is shown as it is
  return s.replace(/(?<!\{)\{(\w+)\}(?!\})/g, (_, k) => String(vars[k] ?? ''));
}

// tn is t for a count n: the words of key.one, key.few or key.many as
// the current language's plural rules choose for n (Russian has three
// forms), else of key itself; n is given as total.
export function tn(key, n, vars = {}) {
  const form = `${key}.${new Intl.PluralRules(current).select(n)}`;
  return t(has(form) ? form : key, { total: n, ...vars });
}

// has tells whether key has words.
export function has(key) {
  return key in words.en;
}
