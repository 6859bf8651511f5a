// The body field of the mailing form: a small rich-text editor (bold,
// italic, a heading, a list, a link, undo and redo, a placeholder from a
// menu) with a source (HTML) view for those who paste their own template;
// its HTML is cleaned before it is saved or shown (sanitize.js), and what
// is pasted into it as it comes in (an office suite's markup goes).

import { t } from '../i18n.js';
import { h } from '../ui.js';
import { cleanBody } from '../sanitize.js';
import { placeholderWords } from '../subject.js';

// the placeholders the menu offers (mailout.Placeholders but the
// unsubscribe link, which the server adds by itself)
const offered = ['first_name', 'name', 'email', 'comment'];

// bodyField is the field and its editor (a contenteditable box); subject is
// the subject's input, into which the placeholder menu inserts when the
// subject was the last of the two in focus.
export function bodyField(subject = null) {
  const editor = h('div', { id: 'mailing-body', class: 'editor', contenteditable: 'true', role: 'textbox', 'aria-multiline': 'true', 'aria-labelledby': 'mailing-body-label', 'aria-describedby': 'mailing-body-error' });
  const source = h('textarea', { id: 'mailing-body-source', class: 'editor-source', hidden: true, 'aria-label': t('editor.sourceLabel'), spellcheck: 'false' });
  const tool = (label, cmd, arg) => h('button', { type: 'button', class: 'secondary', 'aria-label': t(`editor.${cmd}`), onclick: () => {
    editor.focus();
    document.execCommand(cmd, false, arg);
  } }, label);

  // the source view: the cleaned HTML to edit as text; the editor follows
  // it, so that what is saved is the same either way
  const sourceButton = h('button', { type: 'button', class: 'secondary', id: 'mailing-body-source-toggle', 'aria-pressed': 'false' }, t('editor.source'));
  sourceButton.addEventListener('click', () => {
    const showing = source.hidden;
    if (showing) source.value = cleanBody(editor.innerHTML);
    else editor.innerHTML = cleanBody(source.value);
    source.hidden = !showing;
    editor.hidden = showing;
    sourceButton.setAttribute('aria-pressed', String(showing));
    for (const b of toolbar.querySelectorAll('.visual-only')) b.disabled = showing;
    (showing ? source : editor).focus();
  });
  source.addEventListener('input', () => { editor.innerHTML = cleanBody(source.value); });

  // pasted HTML is cleaned first: an office suite's styles, classes and
  // <o:p> marks never reach the editor
  editor.addEventListener('paste', (ev) => {
    const html = ev.clipboardData?.getData('text/html');
    if (!html) return;
    ev.preventDefault();
    document.execCommand('insertHTML', false, cleanPaste(html));
  });

  // the placeholder menu: a placeholder with the fallback the user gives
  let target = editor;
  subject?.addEventListener('focus', () => { target = subject; });
  editor.addEventListener('focus', () => { target = editor; });
  const menu = h('select', { id: 'mailing-placeholder', 'aria-label': t('editor.placeholder') },
    h('option', { value: '' }, t('editor.placeholder')),
    offered.map((p) => h('option', { value: p }, placeholderWords(p))));
  menu.addEventListener('change', () => {
    const name = menu.value;
    menu.value = '';
    if (!name) return;
    const answer = window.prompt(t('editor.fallbackPrompt', { name: placeholderWords(name) }), t('editor.fallbackDefault'));
    if (answer == null) return;
    const fallback = answer.replace(/[{}|]/g, '').trim();
    insertText(target, fallback ? `{{${name}|${fallback}}}` : `{{${name}}}`);
  });

  const toolbar = h('div', { class: 'toolbar', role: 'toolbar', 'aria-label': t('editor.toolbar') },
    [tool('B', 'bold'), tool('I', 'italic'), tool('H', 'formatBlock', 'h2'), tool('•', 'insertUnorderedList'),
      h('button', { type: 'button', class: 'secondary', 'aria-label': t('editor.createLink'), onclick: () => insertLink(editor) }, t('editor.createLink')),
      tool('↶', 'undo'), tool('↷', 'redo')].map((b) => { b.classList.add('visual-only'); return b; }),
    menu, sourceButton);
  const element = h('div', { class: 'field' },
    h('label', { id: 'mailing-body-label', onclick: () => editor.focus() }, t('field.body')),
    toolbar, editor, source,
    h('p', { class: 'field-error', id: 'mailing-body-error', 'aria-live': 'polite' }));
  return { element, editor };
}

// cleanPaste is pasted HTML without an office suite's marks (Word's <o:p>
// and conditional comments), then cleaned as every body is.
export function cleanPaste(html) {
  return cleanBody(html.replace(/<!--\[if[\s\S]*?<!\[endif\]-->/gi, '').replace(/<o:p>[\s\S]*?<\/o:p>/gi, ''));
}

// insertText puts text where the caret is: in the subject's input, or in
// the editor (as an edit the editor can undo).
function insertText(target, text) {
  target.focus();
  if (target instanceof HTMLInputElement) {
    const start = target.selectionStart ?? target.value.length;
    target.setRangeText(text, start, target.selectionEnd ?? start, 'end');
    target.dispatchEvent(new Event('input', { bubbles: true }));
    return;
  }
  caretInside(target);
  document.execCommand('insertText', false, text);
}

// caretInside puts the caret at the editor's end unless it is in it.
function caretInside(editor) {
  const sel = getSelection();
  if (sel.rangeCount && editor.contains(sel.anchorNode)) return;
  const end = document.createRange();
  end.selectNodeContents(editor);
  end.collapse(false);
  sel.removeAllRanges();
  sel.addRange(end);
}

// The Link button links the selected text, or, with nothing selected,
// puts the address itself in as the link's text (an empty link would be
// invisible, and the mail would read "See  for details.")
function insertLink(editor) {
  const url = (window.prompt(t('editor.linkPrompt'), 'https://') || '').trim();
  editor.focus();
  if (!url || url === 'https://') return;
  caretInside(editor);
  const sel = getSelection();
  if (sel.isCollapsed) document.execCommand('insertHTML', false, h('a', { href: url }, url).outerHTML);
  else document.execCommand('createLink', false, url);
}
