import { html } from '../html';
import type { HtmlPage } from './html-reply';
import { maskEmail } from './mask-email';
import { renderPage } from './page-layout';

export type VerifyPageState =
  /** `error`: what was wrong with the code typed, and the status that answers it (400 unreadable, 404 no such login). */
  | { kind: 'form'; code?: string; error?: { message: string; status: 400 | 404 } }
  | { kind: 'verified'; email: string }
  /**
   * The code was right; the login waits for the emailed link (`held`: an email
   * went out less than a minute ago, none now). `expiry`: when the code and its
   * link run out, as describeExpiry words it.
   */
  | { kind: 'check_email'; email: string; held: boolean; expiry: string }
  | { kind: 'failed'; message: string }
  | { kind: 'disabled' };

/** The longest prefill worth showing; a real code is 6 characters plus separators. */
const MAX_PREFILL = 16;

/**
 * GET and POST /auth/verify: the one-field form, and what came of submitting
 * it. `serverHost` names this server on every page, so a person can check it
 * against the address td printed.
 */
export function verifyPage(state: VerifyPageState, serverHost: string): HtmlPage {
  switch (state.kind) {
    case 'verified':
      return {
        status: 200,
        html: renderPage(
          'Device connected',
          html`<h1>Device connected</h1>
<p class="notice success" role="status">Signed in as <strong>${state.email}</strong>.</p>
<p>Return to your terminal: td finishes logging in within a few seconds. You can close this page.</p>`,
          serverHost,
        ),
      };
    case 'check_email':
      return {
        status: 200,
        html: renderPage(
          'Check your email',
          html`<h1>Check your email</h1>
${state.held
  ? html`<p class="notice" role="status">We sent a sign-in email to <strong>${maskEmail(state.email)}</strong> less than a minute ago, so we did not send another yet.</p>
<p>If that email shows this code, open its link and press <strong>Approve</strong>. Otherwise wait a minute and enter the code again.</p>`
  : html`<p class="notice success" role="status">We sent a confirmation to <strong>${maskEmail(state.email)}</strong>.</p>
<p>Open the link in that email and press <strong>Approve</strong> to finish signing in. td keeps waiting in your terminal until then.</p>`}
<p class="muted">The code alone does not sign anyone in: only the owner of the address can. The code and its link expire ${state.expiry}. No email? Check your spam folder, or enter the code again after a minute.</p>`,
          serverHost,
        ),
      };
    case 'disabled':
      return {
        status: 410,
        html: renderPage(
          'Sign-in with a code is off',
          html`<h1>Sign-in with a code is off</h1>
<p class="notice error" role="alert">This server no longer accepts codes typed on this page.</p>
<p>Upgrade td and run <code>td auth login</code> again: current releases sign in with a link sent to your email instead.</p>`,
          serverHost,
        ),
      };
    case 'failed':
      return {
        status: 403,
        html: renderPage(
          'Could not connect the device',
          html`<h1>Could not connect the device</h1>
<p class="notice error" role="alert">${state.message}</p>
<p><a href="/auth/verify">Try again</a></p>`,
          serverHost,
        ),
      };
    case 'form':
      return { status: state.error?.status ?? 200, html: renderPage('Connect a device', codeForm(state.code, state.error?.message, serverHost), serverHost) };
  }
}

function codeForm(code: string | undefined, error: string | undefined, serverHost: string) {
  const prefill = code === undefined ? '' : [...code].slice(0, MAX_PREFILL).join('');
  return html`<h1>Connect a device</h1>
<p>Enter the code that <code>td auth login</code> printed in your terminal. Check that td printed this server's address: <strong>${serverHost}</strong>.</p>
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
