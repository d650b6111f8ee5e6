// Sign-in: a phone number, then the 6-digit code. A node in development mode returns the
// code in its answer; it is shown, clearly marked, so one can sign in without an SMS gateway.
import { api } from '../api.js';
import { h, icon } from '../dom.js';
import { deviceName, normalizePhone, PHONE_RE } from '../format.js';

export function renderSignIn(root, { onSignedIn, notice }) {
  const phone = h('input', { id: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'tel', placeholder: '+14155550100', required: true, 'aria-describedby': 'phone-hint' });
  const request = h('button', { id: 'request-code', type: 'submit', class: 'btn primary wide' }, 'Send code');
  const phoneError = h('p', { id: 'phone-error', class: 'form-error', role: 'alert' });
  const phoneForm = h('form', { class: 'form', novalidate: true },
    h('label', { for: 'phone' }, 'Phone number'), phone,
    h('p', { id: 'phone-hint', class: 'hint' }, 'In international format, with + and the country code.'),
    phoneError, request);

  const sentTo = h('p', { class: 'hint', id: 'code-sent' });
  const devCode = h('p', { id: 'dev-code', class: 'dev-note', role: 'note', hidden: true });
  const code = h('input', { id: 'code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, pattern: '[0-9]{6}', placeholder: '······', 'aria-describedby': 'code-sent' });
  const signIn = h('button', { id: 'sign-in', type: 'submit', class: 'btn primary wide' }, 'Sign in');
  const codeError = h('p', { id: 'code-error', class: 'form-error', role: 'alert' });
  const codeForm = h('form', { class: 'form', novalidate: true, hidden: true },
    sentTo, devCode, h('label', { for: 'code' }, 'Code'), code, codeError, signIn);

  let number = '';
  phoneForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    phoneError.textContent = '';
    number = normalizePhone(phone.value);
    if (!PHONE_RE.test(number)) {
      phoneError.textContent = 'Enter your number in international format, like +44 20 7946 0958.';
      phone.focus();
      return;
    }
    request.disabled = true;
    try {
      const res = await api.requestCode(number);
      sentTo.textContent = `We sent a 6-digit code to ${number}.`;
      devCode.hidden = !res.devCode;
      devCode.replaceChildren();
      if (res.devCode) {
        devCode.append(h('strong', {}, 'Development mode: '), 'your code is ', h('span', { class: 'code' }, res.devCode),
          '. A production server sends it by SMS instead.');
      }
      codeForm.hidden = false;
      request.textContent = 'Send a new code';
      code.value = '';
      code.focus();
    } catch (err) {
      phoneError.textContent = err.code === 'RATE_LIMITED' && err.retryAfter
        ? `Too many codes requested. Try again in ${Math.ceil(err.retryAfter / 60)} min.`
        : err.message;
    } finally {
      request.disabled = false;
    }
  });

  codeForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    codeError.textContent = '';
    const digits = code.value.replace(/\D/g, '');
    if (digits.length !== 6) {
      codeError.textContent = 'The code has 6 digits.';
      code.focus();
      return;
    }
    signIn.disabled = true;
    try {
      const res = await api.signIn(number, digits, deviceName());
      onSignedIn({ token: res.token, userId: res.userId, deviceId: res.deviceId, phone: number });
    } catch (err) {
      codeError.textContent = err.code === 'CODE_EXPIRED' || err.code === 'CODE_ATTEMPTS_EXCEEDED'
        ? `${err.message} Send a new code.`
        : err.message;
      signIn.disabled = false;
      code.select();
    }
  });
  root.replaceChildren(h('main', { id: 'signin-view', class: 'signin' },
    h('div', { class: 'signin-card' },
      h('div', { class: 'brand' }, icon('chat', 'brand-icon'), h('span', {}, 'Parley')),
      h('h1', {}, 'Sign in'),
      notice ? h('p', { class: 'notice', role: 'status' }, notice) : null,
      phoneForm, codeForm,
      h('p', { class: 'hint small' }, 'Your messages are kept on this Parley server. Signing in adds this browser to your devices.'))));
  phone.focus();
}
