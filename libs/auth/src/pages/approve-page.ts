import { html } from '../html';
import { renderPage } from './page-layout';

export type ApprovePageState =
  /** `userCode`: set when the link confirms a typed code, shown so it can be compared with the terminal. */
  | { kind: 'confirm'; token: string; email: string; deviceName: string | null; userCode?: string | null }
  | { kind: 'approved'; email: string; deviceName: string | null }
  | { kind: 'invalid' }
  | { kind: 'expired' }
  | { kind: 'used' }
  | { kind: 'signup_disabled' };

const PROBLEMS = {
  invalid: ['Link not valid', 'This sign-in link is not valid. Copy the whole link from the email, or run td auth login again.'],
  expired: ['Link expired', 'This sign-in link has expired (links last 15 minutes). Run td auth login again for a new one.'],
  used: ['Link already used', 'This sign-in link has already been used. If td is still waiting, run td auth login again.'],
  signup_disabled: ['Sign-ups are closed', 'This server does not accept new accounts. Ask its operator or a project owner to add you.'],
} as const;

/** GET and POST /auth/device/approve. Only the form's POST approves; the GET page just asks. */
export function approvePage(state: ApprovePageState): string {
  switch (state.kind) {
    case 'confirm':
      return renderPage(
        'Approve sign-in',
        html`<h1>Approve sign-in</h1>
<p>A td client is asking to sign in to this server with your email address.</p>
<dl>
<dt>Account</dt><dd>${state.email}</dd>
<dt>Device</dt><dd>${state.deviceName ?? 'unnamed device'}</dd>
${state.userCode ? html`<dt>Code</dt><dd><code>${state.userCode}</code></dd>
` : ''}</dl>
${state.userCode
  ? html`<p class="muted">Approve only if you just ran <code>td auth login</code> and your terminal shows the code <code>${state.userCode}</code>. If not, close this page: nothing happens.</p>`
  : html`<p class="muted">Approve only if you just ran <code>td auth login</code> on this device. If you did not, close this page: nothing happens.</p>`}
<form method="post" action="/auth/device/approve" accept-charset="utf-8">
<input type="hidden" name="token" value="${state.token}">
<button type="submit">Approve</button>
</form>`,
      );
    case 'approved':
      return renderPage(
        'Sign-in approved',
        html`<h1>Sign-in approved</h1>
<p class="notice success" role="status"><strong>${state.deviceName ?? 'Your device'}</strong> is signed in as <strong>${state.email}</strong>.</p>
<p>Return to your terminal: td finishes logging in within a few seconds. You can close this page.</p>`,
      );
    default: {
      const [title, message] = PROBLEMS[state.kind];
      return renderPage(title, html`<h1>${title}</h1>
<p class="notice error" role="alert">${message}</p>`);
    }
  }
}
