import type { EmailSettings } from '../auth-options';
import { EmailSender } from './email-sender';
import { LogEmailSender } from './log-email-sender';
import { SmtpEmailSender } from './smtp-email-sender';

/** The EmailSender the settings name (AuthModule's factory provider). */
export function createEmailSender(settings: EmailSettings): EmailSender {
  switch (settings.provider) {
    case 'smtp':
      if (!settings.smtpUrl) throw new Error('email provider "smtp" needs an SMTP URL');
      return new SmtpEmailSender(settings.smtpUrl, settings.from);
    case 'log':
      return new LogEmailSender();
  }
}
