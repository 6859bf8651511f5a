// The one sanitizer of mailing bodies in the browser (DOMPurify, vendored):
// whatever HTML a user wrote is cleaned before it is saved or shown. The
// server cleans it again (bluemonday).

import DOMPurify from '../vendor/dompurify-3.4.18.es.mjs';
import { t } from './i18n.js';

// the HTML a mailing body may hold: formatting, links, lists, images
const bodyPolicy = {
  ALLOWED_TAGS: ['p', 'br', 'strong', 'b', 'em', 'i', 'u', 's', 'a', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'blockquote', 'img', 'span', 'div'],
  ALLOWED_ATTR: ['href', 'src', 'alt', 'title'],
  // a link may also be a placeholder: href="{{unsubscribe_url}}" (the server keeps it too)
  ALLOWED_URI_REGEXP: /^(?:https?:|mailto:|\{\{)/i,
};

export function cleanBody(html) {
  return DOMPurify.sanitize(html, bodyPolicy);
}

// withoutImages is a sanitized body in which every image is a placeholder
// naming its address and alt text. The work happens in an inert document
// (DOMParser's runs no scripts and loads nothing), so that no <img> ever
// reaches this page, not even for an instant: a tracking pixel must not
// learn who reviewed the mailing.
export function withoutImages(html) {
  const doc = new DOMParser().parseFromString(cleanBody(html), 'text/html');
  for (const img of doc.querySelectorAll('img')) {
    const box = doc.createElement('span');
    box.className = 'img-placeholder';
    box.textContent = t('mod.imageNotLoaded', { src: img.getAttribute('src') || '', alt: img.getAttribute('alt') || '' });
    img.replaceWith(box);
  }
  return doc.body.innerHTML;
}
