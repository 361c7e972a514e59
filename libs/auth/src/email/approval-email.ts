import { html } from '../html';
import type { EmailMessage } from './email-message';

export interface ApprovalEmailInput {
  to: string;
  /** `<base>/auth/device/approve?token=<selector>.<secret>` */
  link: string;
  /** Already cleaned (see cleanDeviceName); null when the client sent none. */
  deviceName: string | null;
  /**
   * Set for the confirmation of a typed-code login: the code that was typed,
   * which the person compares with the one their terminal shows.
   */
  userCode?: string;
  expiresInMinutes: number;
}

/**
 * The email with the approval link, for the PKCE login and for the
 * confirmation of a typed code. Anyone can ask for one to any address, so the
 * subject is fixed, the client-chosen device name only appears quoted in the
 * body, and the text says plainly that ignoring it is safe.
 */
export function approvalEmail(input: ApprovalEmailInput): EmailMessage {
  const device = input.deviceName ? `"${input.deviceName}"` : 'a device';
  const code = input.userCode;
  const text = [
    code ? `Someone typed the code ${code} to sign in to td as ${input.to} from ${device}.` : `Someone asked to sign in to td as ${input.to} from ${device}.`,
    '',
    code ? `If that was you and your terminal shows ${code}, open this link and press Approve:` : 'If that was you, open this link and press Approve:',
    '',
    input.link,
    '',
    `The link works once and expires in ${input.expiresInMinutes} minutes.`,
    'If you did not ask to sign in, ignore this email: nothing happens unless the link is approved.',
    '',
  ].join('\n');
  const deviceHtml = input.deviceName ? html`<strong>${input.deviceName}</strong>` : 'a device';
  const body = html`<!doctype html>
<html lang="en">
<body style="font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1b1f24; line-height: 1.5;">
${code
  ? html`<p>Someone typed the code <strong style="font-family: ui-monospace, Menlo, monospace; letter-spacing: 0.1em;">${code}</strong> to sign in to <strong>td</strong> as <strong>${input.to}</strong> from ${deviceHtml}.</p>
<p>If that was you and your terminal shows ${code}, open this link and press <strong>Approve</strong>:</p>`
  : html`<p>Someone asked to sign in to <strong>td</strong> as <strong>${input.to}</strong> from ${deviceHtml}.</p>
<p>If that was you, open this link and press <strong>Approve</strong>:</p>`}
<p><a href="${input.link}" style="display: inline-block; padding: 10px 20px; background: #0b57d0; color: #ffffff; text-decoration: none; border-radius: 6px;">Review this sign-in</a></p>
<p style="word-break: break-all; color: #57606a; font-size: 14px;">${input.link}</p>
<p style="color: #57606a; font-size: 14px;">The link works once and expires in ${input.expiresInMinutes} minutes. If you did not ask to sign in, ignore this email: nothing happens unless the link is approved.</p>
</body>
</html>`;
  return { to: input.to, subject: 'Approve your td sign-in', text, html: body.value };
}
