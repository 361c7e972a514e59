import { html } from '../html';
import { describeExpiry } from './expiry';
import type { HtmlPage } from './html-reply';
import { renderPage } from './page-layout';

export type ApprovePageState =
  /**
   * `userCode`: set when the link confirms a typed code, shown so it can be
   * compared with the terminal. `expiry`: when the request runs out, as
   * describeExpiry words it.
   */
  | { kind: 'confirm'; token: string; email: string; deviceName: string | null; userCode?: string | null; expiry: string }
  | { kind: 'approved'; email: string; deviceName: string | null }
  | { kind: 'denied'; deviceName: string | null }
  | { kind: 'malformed' }
  | { kind: 'unknown' }
  | { kind: 'expired' }
  | { kind: 'used' }
  | { kind: 'signup_disabled' };

/** What the link's own page says went wrong, and the status it answers with. */
const PROBLEMS = {
  malformed: [400, 'Link not valid', 'This sign-in link is not valid. Copy the whole link from the email, or run td auth login again.'],
  unknown: [404, 'Link not valid', 'This sign-in link is not valid. Copy the whole link from the email, or run td auth login again.'],
  expired: [410, 'Link expired', 'This sign-in link has expired (links last 15 minutes). Run td auth login again for a new one.'],
  used: [410, 'Link already used', 'This sign-in link has already been used. If td is still waiting, run td auth login again.'],
  signup_disabled: [403, 'Sign-ups are closed', 'This server does not accept new accounts. Ask its operator or a project owner to add you.'],
} as const;

/**
 * GET and POST /auth/device/approve. Only the form's POST approves (or
 * denies); the GET page just asks. `serverHost` names this server on every
 * page, so a person can tell which server is asking.
 */
export function approvePage(state: ApprovePageState, serverHost: string): HtmlPage {
  switch (state.kind) {
    case 'confirm':
      return {
        status: 200,
        html: renderPage(
          'Approve sign-in',
          html`<h1>Approve sign-in</h1>
<p>A td client is asking to sign in to this server with your email address.</p>
<dl>
<dt>Account</dt><dd>${state.email}</dd>
<dt>Device</dt><dd>${state.deviceName ?? 'unnamed device'}</dd>
${state.userCode ? html`<dt>Code</dt><dd><code>${state.userCode}</code></dd>
` : ''}<dt>Server</dt><dd>${serverHost}</dd>
<dt>Expires</dt><dd>${state.expiry}</dd>
</dl>
${state.userCode
  ? html`<p class="muted">Approve only if you just ran <code>td auth login</code> and your terminal shows the code <code>${state.userCode}</code>. If not, deny it: that device then gets nothing.</p>`
  : html`<p class="muted">Approve only if you just ran <code>td auth login</code> on this device. If not, deny it: that device then gets nothing.</p>`}
<form method="post" action="/auth/device/approve" accept-charset="utf-8">
<input type="hidden" name="token" value="${state.token}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny" class="secondary">Not me, deny</button>
</form>`,
          serverHost,
        ),
      };
    case 'approved':
      return {
        status: 200,
        html: renderPage(
          'Sign-in approved',
          html`<h1>Sign-in approved</h1>
<p class="notice success" role="status"><strong>${state.deviceName ?? 'Your device'}</strong> is signed in as <strong>${state.email}</strong>.</p>
<p>Return to your terminal: td finishes logging in within a few seconds. You can close this page.</p>`,
          serverHost,
        ),
      };
    case 'denied':
      return {
        status: 200,
        html: renderPage(
          'Sign-in denied',
          html`<h1>Sign-in denied</h1>
<p class="notice" role="status">${state.deviceName ? html`<strong>${state.deviceName}</strong> was` : 'The device was'} not signed in, and this link no longer works.</p>
<p>If you did not start this sign-in, someone typed your email address into td. They got nothing; you need not do anything else.</p>`,
          serverHost,
        ),
      };
    default: {
      const [status, title, message] = PROBLEMS[state.kind];
      return {
        status,
        html: renderPage(title, html`<h1>${title}</h1>
<p class="notice error" role="alert">${message}</p>`, serverHost),
      };
    }
  }
}

/** The confirm page's state for a valid link: its expiry worded for the page at `now`. */
export function confirmState(
  link: { email: string; deviceName: string | null; userCode: string | null; expiresAt: string },
  token: string,
  now: Date,
): ApprovePageState {
  return { kind: 'confirm', token, email: link.email, deviceName: link.deviceName, userCode: link.userCode, expiry: describeExpiry(link.expiresAt, now) };
}
