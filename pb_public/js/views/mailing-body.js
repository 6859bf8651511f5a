// The body field of the mailing form: a small rich-text editor (bold,
// italic, a heading, a list, a link) whose HTML is cleaned before it is
// saved or shown (sanitize.js).

import { t } from '../i18n.js';
import { h } from '../ui.js';

// bodyField is the field and its editor (a contenteditable box).
export function bodyField() {
  const editor = h('div', { id: 'mailing-body', class: 'editor', contenteditable: 'true', role: 'textbox', 'aria-multiline': 'true', 'aria-labelledby': 'mailing-body-label', 'aria-describedby': 'mailing-body-error' });
  const tool = (label, cmd, arg) => h('button', { type: 'button', class: 'secondary', 'aria-label': t(`editor.${cmd}`), onclick: () => {
    editor.focus();
    document.execCommand(cmd, false, arg);
  } }, label);
  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('editor.toolbar') },
    tool('B', 'bold'), tool('I', 'italic'), tool('H', 'formatBlock', 'h2'), tool('•', 'insertUnorderedList'),
    h('button', { type: 'button', class: 'secondary', 'aria-label': t('editor.createLink'), onclick: () => insertLink(editor) }, t('editor.createLink')));
  const element = h('div', { class: 'field' },
    h('label', { id: 'mailing-body-label', onclick: () => editor.focus() }, t('field.body')),
    toolbar, editor,
    h('p', { class: 'field-error', id: 'mailing-body-error', 'aria-live': 'polite' }));
  return { element, editor };
}

// The Link button links the selected text, or, with nothing selected,
// puts the address itself in as the link's text (an empty link would be
// invisible, and the mail would read "See  for details.")
function insertLink(editor) {
  const url = (window.prompt(t('editor.linkPrompt'), 'https://') || '').trim();
  editor.focus();
  if (!url || url === 'https://') return;
  const sel = getSelection();
  if (!sel.rangeCount || !editor.contains(sel.anchorNode)) {
    const end = document.createRange();
    end.selectNodeContents(editor);
    end.collapse(false);
    sel.removeAllRanges();
    sel.addRange(end);
  }
  if (sel.isCollapsed) document.execCommand('insertHTML', false, h('a', { href: url }, url).outerHTML);
  else document.execCommand('createLink', false, url);
}
