// The account pages: sign up, confirm, log in, forgotten password, profile.

import { pb, user, sessionEnded } from '../api.js';
import { t } from '../i18n.js';
import { h, field, message, say, fieldErrors, problem, onSubmit } from '../ui.js';
import { browserTimeZone, userZone, zoneChoices } from '../zone.js';

function page(title, ...content) {
  document.title = `${title} · ${t('app.name')}`;
  return h('section', { class: 'card' }, h('h1', {}, title), ...content);
}

// heading is the h1 of the page that holds el.
function heading(el) {
  return el.closest('section').querySelector('h1');
}

export function signup({ go }) {
  const status = message('signup-status');
  const form = h('form', { id: 'signup', novalidate: true },
    field('signup', 'email', { label: t('field.email'), type: 'email', autocomplete: 'email', required: true }),
    field('signup', 'password', { label: t('field.password'), type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    field('signup', 'passwordConfirm', { label: t('field.passwordConfirm'), type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    field('signup', 'name', { label: t('field.name'), autocomplete: 'name' }),
    h('button', { type: 'submit' }, t('signup.submit')),
  );
  onSubmit(form, status, async (data) => {
    data.timezone = browserTimeZone();
    await pb.collection('users').create(data);
    form.hidden = true;
    heading(form).textContent = t('signup.doneTitle');
    document.title = `${t('signup.doneTitle')} · ${t('app.name')}`;
    say(status, t('signup.done', { email: data.email }));
  });
  return page(t('signup.title'), form, status,
    h('p', {}, t('signup.haveAccount'), ' ', h('a', { href: '/login', 'data-link': true }, t('nav.login'))));
}

export function login({ go }) {
  const status = message('login-status');
  const resend = h('button', { type: 'button', class: 'secondary', hidden: true }, t('login.resend'));
  const form = h('form', { id: 'login', novalidate: true },
    field('login', 'identity', { label: t('field.email'), type: 'email', autocomplete: 'email', required: true }),
    field('login', 'password', { label: t('field.password'), type: 'password', autocomplete: 'current-password', required: true }),
    h('button', { type: 'submit' }, t('login.submit')),
  );
  onSubmit(form, status, async ({ identity, password }) => {
    resend.hidden = true;
    await pb.collection('users').authWithPassword(identity, password);
    go('/');
  }, (err) => {
    // why a login is refused goes in the status line, not beside a field
    const code = err?.response?.data?.identity?.code;
    if (code === 'email_not_confirmed') {
      say(status, t('login.unconfirmed'), 'err');
      resend.hidden = false;
    } else if (code === 'account_blocked') {
      const reason = err.response.data.identity.params?.reason;
      say(status, reason ? t('login.blockedWhy', { reason }) : t('login.blocked'), 'err');
    } else if (err?.status === 400 && !Object.keys(err?.response?.data || {}).length) {
      say(status, t('login.wrong'), 'err');
    } else {
      return false;
    }
    return true;
  });
  // the session that brought the user here ended: say why
  const ended = sessionEnded();
  if (ended) {
    say(status, t(ended.blocked ? 'login.blockedEnded' : 'login.ended'), 'err');
    form.elements.identity.value = ended.email;
  }
  resend.addEventListener('click', async () => {
    const email = form.elements.identity.value;
    try {
      await pb.collection('users').requestVerification(email);
      say(status, t('login.resent', { email }));
      resend.hidden = true;
    } catch (err) {
      say(status, problem(err), 'err');
    }
  });
  return page(t('login.title'), form, status, resend,
    h('p', {}, h('a', { href: '/forgot', 'data-link': true }, t('login.forgot'))),
    h('p', {}, t('login.noAccount'), ' ', h('a', { href: '/signup', 'data-link': true }, t('nav.signup'))));
}

export function confirm() {
  const status = h('p', { id: 'status', class: 'message', role: 'status', 'aria-live': 'polite' }, t('confirm.working'));
  const next = h('p', { hidden: true }, h('a', { href: '/login', 'data-link': true }, t('nav.login')));
  const token = new URLSearchParams(location.search).get('token');
  if (!token) {
    say(status, t('confirm.noToken'), 'err');
  } else {
    pb.collection('users').confirmVerification(token)
      .then(() => { say(status, t('confirm.ok')); next.hidden = false; })
      .catch(() => say(status, t('confirm.bad'), 'err'));
  }
  return page(t('confirm.title'), status, next);
}

export function forgot() {
  const status = message('forgot-status');
  const form = h('form', { id: 'forgot', novalidate: true },
    field('forgot', 'email', { label: t('field.email'), type: 'email', autocomplete: 'email', required: true }),
    h('button', { type: 'submit' }, t('forgot.submit')),
  );
  onSubmit(form, status, async ({ email }) => {
    await pb.collection('users').requestPasswordReset(email);
    form.hidden = true;
    say(status, t('forgot.done', { email }));
  });
  return page(t('forgot.title'), form, status);
}

export function resetPassword() {
  const status = message('reset-status');
  const token = new URLSearchParams(location.search).get('token') || '';
  const form = h('form', { id: 'reset', novalidate: true },
    field('reset', 'password', { label: t('field.password'), type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    field('reset', 'passwordConfirm', { label: t('field.passwordConfirm'), type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    h('button', { type: 'submit' }, t('reset.submit')),
  );
  onSubmit(form, status, async ({ password, passwordConfirm }) => {
    await pb.collection('users').confirmPasswordReset(token, password, passwordConfirm);
    form.hidden = true;
    say(status, t('reset.done'));
    next.hidden = false;
  }, (err) => {
    // the fields' own errors first; a bad token is the link's fault
    if (fieldErrors(form, err)) return true;
    if (!err?.response?.data?.token) return false;
    say(status, t('reset.bad'), 'err');
    return true;
  });
  const next = h('p', { id: 'reset-next', hidden: true }, h('a', { href: '/login', 'data-link': true, class: 'button' }, t('nav.login')));
  return page(t('reset.title'), form, status, next);
}

export function profile({ go }) {
  const me = user();
  const status = message('profile-status');
  const form = h('form', { id: 'profile', novalidate: true },
    field('profile', 'name', { label: t('field.name'), autocomplete: 'name', value: me.name || '' }),
    field('profile', 'timezone', { label: t('field.timezone'), value: userZone(), list: 'timezones', help: t('profile.timezoneHelp') }),
    zoneChoices('timezones'),
    h('button', { type: 'submit' }, t('common.save')),
  );
  onSubmit(form, status, async (data) => {
    await pb.collection('users').update(me.id, data);
    say(status, t('common.saved'));
  });

  const pwStatus = message('password-status');
  const pwForm = h('form', { id: 'password', novalidate: true },
    field('password', 'oldPassword', { label: t('field.oldPassword'), type: 'password', autocomplete: 'current-password', required: true }),
    field('password', 'password', { label: t('field.password'), type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    field('password', 'passwordConfirm', { label: t('field.passwordConfirm'), type: 'password', autocomplete: 'new-password', required: true, minlength: 8 }),
    h('button', { type: 'submit' }, t('profile.passwordSubmit')),
  );
  onSubmit(pwForm, pwStatus, async (data) => {
    await pb.collection('users').update(me.id, data);
    // a new password ends every session: log in again with it
    await pb.collection('users').authWithPassword(me.email, data.password);
    pwForm.reset();
    say(pwStatus, t('profile.passwordDone'));
    pwNext.hidden = false;
  });
  const pwNext = h('p', { id: 'password-next', hidden: true }, h('a', { href: '/', 'data-link': true }, t('profile.toHome')));
  return page(t('profile.title'), h('p', {}, me.email), form, status,
    h('h2', {}, t('profile.passwordTitle')), pwForm, pwStatus, pwNext);
}
