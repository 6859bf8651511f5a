// Words of the web app in English and Russian. The choice is remembered in
// this browser; the first visit follows the browser's language.

const words = {
  en: {
    'app.name': 'Postrider',
    'app.tagline': 'Mailings to your own clients, sent on time, once, and logged message by message.',
    'nav.home': 'Home',
    'nav.login': 'Log in',
    'nav.signup': 'Sign up',
    'nav.profile': 'Profile',
    'nav.logout': 'Log out',
    'nav.language': 'Language',
    'common.loading': 'Loading…',
    'common.save': 'Save',
    'common.saved': 'Saved.',
    'common.error': 'Something went wrong. Try again in a moment.',
    'common.offline': 'The server cannot be reached. Check your connection and try again.',
    'home.welcome': 'Hello, {name}.',
    'home.soon': 'Your clients, lists, mailings and logs will appear here.',
    'home.pitch': 'Keep your clients, write a mailing once, and let it go out on its schedule: once, daily, weekly or monthly, in the windows you choose.',
    'field.email': 'Email',
    'field.password': 'Password',
    'field.passwordConfirm': 'Repeat the password',
    'field.oldPassword': 'Current password',
    'field.name': 'Name',
    'field.timezone': 'Time zone',
    'signup.title': 'Create your account',
    'signup.submit': 'Sign up',
    'signup.done': 'Almost there: we sent a confirmation link to {email}. Open it to activate your account.',
    'signup.haveAccount': 'Already have an account?',
    'login.title': 'Log in',
    'login.submit': 'Log in',
    'login.wrong': 'Wrong email or password.',
    'login.unconfirmed': 'Confirm your email first: open the link in the mail we sent you.',
    'login.resend': 'Send the link again',
    'login.resent': 'A new confirmation link is on its way to {email}.',
    'login.blocked': 'This account is blocked by a moderator, so it cannot log in.',
    'login.forgot': 'Forgot your password?',
    'login.noAccount': 'No account yet?',
    'confirm.title': 'Confirm your email',
    'confirm.working': 'Confirming your email…',
    'confirm.ok': 'Your email is confirmed. You can log in now.',
    'confirm.bad': 'This link is invalid or has expired. Ask for a new confirmation mail from the login page.',
    'confirm.noToken': 'This link has no token: open the link from the confirmation mail as it is.',
    'forgot.title': 'Reset your password',
    'forgot.submit': 'Send me a link',
    'forgot.done': 'If {email} has an account, a link to choose a new password is on its way.',
    'reset.title': 'Choose a new password',
    'reset.submit': 'Save the new password',
    'reset.done': 'Your password is changed. You can log in with it now.',
    'reset.bad': 'This link is invalid or has expired. Ask for a new one.',
    'profile.title': 'Your profile',
    'profile.passwordTitle': 'Change the password',
    'profile.passwordSubmit': 'Change the password',
    'profile.passwordDone': 'Your password is changed.',
    'profile.timezoneHelp': 'Mailings repeat at the same local time in this zone.',
    'auth.required': 'Log in to see this page.',
    'notfound.title': 'Page not found',
    'notfound.text': 'There is nothing at this address.',
    // validation codes of the API
    'err.validation_required': 'Fill this in.',
    'err.validation_is_email': 'Enter an email address such as name@example.com.',
    'err.validation_invalid_email': 'Enter an email address such as name@example.com.',
    'err.validation_length_out_of_range': 'The length is out of range.',
    'err.validation_min_text_constraint': 'Too short.',
    'err.too_short': 'At least {min} characters.',
    'err.validation_values_mismatch': 'The two passwords differ.',
    'err.validation_not_unique': 'This is already taken.',
    'err.validation_invalid_timezone': 'Unknown time zone: use a name such as Europe/Moscow or UTC.',
  },
  ru: {
    'app.name': 'Postrider',
    'app.tagline': 'Рассылки вашим клиентам: вовремя, по одному разу и с журналом каждого письма.',
    'nav.home': 'Главная',
    'nav.login': 'Войти',
    'nav.signup': 'Регистрация',
    'nav.profile': 'Профиль',
    'nav.logout': 'Выйти',
    'nav.language': 'Язык',
    'common.loading': 'Загрузка…',
    'common.save': 'Сохранить',
    'common.saved': 'Сохранено.',
    'common.error': 'Что-то пошло не так. Попробуйте ещё раз чуть позже.',
    'common.offline': 'Сервер недоступен. Проверьте подключение и попробуйте снова.',
    'home.welcome': 'Здравствуйте, {name}.',
    'home.soon': 'Здесь появятся ваши клиенты, списки, рассылки и журналы.',
    'home.pitch': 'Храните клиентов, напишите рассылку один раз — и она уйдёт по расписанию: однократно, ежедневно, еженедельно или ежемесячно, в выбранные вами периоды.',
    'field.email': 'Эл. почта',
    'field.password': 'Пароль',
    'field.passwordConfirm': 'Пароль ещё раз',
    'field.oldPassword': 'Текущий пароль',
    'field.name': 'Имя',
    'field.timezone': 'Часовой пояс',
    'signup.title': 'Создайте учётную запись',
    'signup.submit': 'Зарегистрироваться',
    'signup.done': 'Почти готово: мы отправили ссылку для подтверждения на {email}. Откройте её, чтобы активировать учётную запись.',
    'signup.haveAccount': 'Уже есть учётная запись?',
    'login.title': 'Вход',
    'login.submit': 'Войти',
    'login.wrong': 'Неверная почта или пароль.',
    'login.unconfirmed': 'Сначала подтвердите почту: откройте ссылку из нашего письма.',
    'login.resend': 'Отправить ссылку ещё раз',
    'login.resent': 'Новая ссылка для подтверждения отправлена на {email}.',
    'login.blocked': 'Эта учётная запись заблокирована модератором, войти нельзя.',
    'login.forgot': 'Забыли пароль?',
    'login.noAccount': 'Ещё нет учётной записи?',
    'confirm.title': 'Подтверждение почты',
    'confirm.working': 'Подтверждаем вашу почту…',
    'confirm.ok': 'Почта подтверждена. Теперь можно войти.',
    'confirm.bad': 'Ссылка неверна или устарела. Запросите новое письмо на странице входа.',
    'confirm.noToken': 'В ссылке нет кода: откройте ссылку из письма целиком.',
    'forgot.title': 'Сброс пароля',
    'forgot.submit': 'Прислать ссылку',
    'forgot.done': 'Если для {email} есть учётная запись, ссылка для нового пароля уже в пути.',
    'reset.title': 'Новый пароль',
    'reset.submit': 'Сохранить пароль',
    'reset.done': 'Пароль изменён. Теперь можно войти с ним.',
    'reset.bad': 'Ссылка неверна или устарела. Запросите новую.',
    'profile.title': 'Ваш профиль',
    'profile.passwordTitle': 'Смена пароля',
    'profile.passwordSubmit': 'Сменить пароль',
    'profile.passwordDone': 'Пароль изменён.',
    'profile.timezoneHelp': 'Рассылки повторяются в одно и то же местное время этого пояса.',
    'auth.required': 'Войдите, чтобы увидеть эту страницу.',
    'notfound.title': 'Страница не найдена',
    'notfound.text': 'По этому адресу ничего нет.',
    'err.validation_required': 'Заполните это поле.',
    'err.validation_is_email': 'Введите адрес почты, например name@example.com.',
    'err.validation_invalid_email': 'Введите адрес почты, например name@example.com.',
    'err.validation_length_out_of_range': 'Недопустимая длина.',
    'err.validation_min_text_constraint': 'Слишком коротко.',
    'err.too_short': 'Не меньше {min} символов.',
    'err.validation_values_mismatch': 'Пароли не совпадают.',
    'err.validation_not_unique': 'Это значение уже занято.',
    'err.validation_invalid_timezone': 'Неизвестный часовой пояс: укажите, например, Europe/Moscow или UTC.',
  },
};

const storageKey = 'postrider.lang';

export const languages = { en: 'English', ru: 'Русский' };

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
  document.documentElement.lang = l;
}

// t returns the words for key in the current language, with {name}
// placeholders filled from vars. An unknown key comes back as it is.
export function t(key, vars = {}) {
  const s = words[current][key] ?? words.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ''));
}

// has tells whether key has words.
export function has(key) {
  return key in words.en;
}
