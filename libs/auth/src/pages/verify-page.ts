import { html } from '../html';
import { maskEmail } from './mask-email';
import { renderPage } from './page-layout';

export type VerifyPageState =
  | { kind: 'form'; code?: string; error?: string }
  | { kind: 'verified'; email: string }
  /** The code was right; the login waits for the emailed link (`held`: an email went out less than a minute ago, none now). */
  | { kind: 'check_email'; email: string; held: boolean }
  | { kind: 'failed'; message: string }
  | { kind: 'disabled' };

/** The longest prefill worth showing; a real code is 6 characters plus separators. */
const MAX_PREFILL = 16;

/** GET and POST /auth/verify: the one-field form, and what came of submitting it. */
export function verifyPage(state: VerifyPageState): string {
  switch (state.kind) {
    case 'verified':
      return renderPage(
        'Device connected',
        html`<h1>Device connected</h1>
<p class="notice success" role="status">Signed in as <strong>${state.email}</strong>.</p>
<p>Return to your terminal: td finishes logging in within a few seconds. You can close this page.</p>`,
      );
    case 'check_email':
      return renderPage(
        'Check your email',
        html`<h1>Check your email</h1>
${state.held
  ? html`<p class="notice" role="status">We sent a sign-in email to <strong>${maskEmail(state.email)}</strong> less than a minute ago, so we did not send another yet.</p>
<p>If that email shows this code, open its link and press <strong>Approve</strong>. Otherwise wait a minute and enter the code again.</p>`
  : html`<p class="notice success" role="status">We sent a confirmation to <strong>${maskEmail(state.email)}</strong>.</p>
<p>Open the link in that email and press <strong>Approve</strong> to finish signing in. td keeps waiting in your terminal until then.</p>`}
<p class="muted">The code alone does not sign anyone in: only the owner of the address can. The link works until the code expires. No email? Check your spam folder, or enter the code again after a minute.</p>`,
      );
    case 'disabled':
      return renderPage(
        'Sign-in with a code is off',
        html`<h1>Sign-in with a code is off</h1>
<p class="notice error" role="alert">This server no longer accepts codes typed on this page.</p>
<p>Upgrade td and run <code>td auth login</code> again: current releases sign in with a link sent to your email instead.</p>`,
      );
    case 'failed':
      return renderPage(
        'Could not connect the device',
        html`<h1>Could not connect the device</h1>
<p class="notice error" role="alert">${state.message}</p>
<p><a href="/auth/verify">Try again</a></p>`,
      );
    case 'form':
      return renderPage('Connect a device', codeForm(state.code, state.error));
  }
}

function codeForm(code: string | undefined, error: string | undefined) {
  const prefill = code === undefined ? '' : [...code].slice(0, MAX_PREFILL).join('');
  return html`<h1>Connect a device</h1>
<p>Enter the code that <code>td auth login</code> printed in your terminal.</p>
${error ? html`<p class="notice error" role="alert" id="code-error">${error}</p>` : ''}
<form method="post" action="/auth/verify" accept-charset="utf-8">
<label for="user_code">Device code</label>
<input type="text" id="user_code" name="user_code" value="${prefill}" required autofocus
  autocomplete="one-time-code" autocapitalize="characters" spellcheck="false" maxlength="${MAX_PREFILL}"
  placeholder="ABC234" aria-describedby="code-help${error ? ' code-error' : ''}"${error ? html` aria-invalid="true"` : ''}>
<p class="muted" id="code-help">Six letters and digits. Case, spaces and dashes do not matter.</p>
<button type="submit">Connect</button>
</form>`;
}
