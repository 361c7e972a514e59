import type { EmailSettings } from '../auth-options';
import { EmailSender } from './email-sender';
import { LogEmailSender } from './log-email-sender';

/**
 * The EmailSender the settings name (AuthModule's factory provider). The SMTP
 * sender is loaded only when configured: it brings nodemailer, a few MB of heap
 * that a server logging its emails would carry for nothing.
 */
export async function createEmailSender(settings: EmailSettings): Promise<EmailSender> {
  switch (settings.provider) {
    case 'smtp': {
      if (!settings.smtpUrl) throw new Error('email provider "smtp" needs an SMTP URL');
      const { SmtpEmailSender } = await import('./smtp-email-sender');
      return new SmtpEmailSender(settings.smtpUrl, settings.from);
    }
    case 'log':
      return new LogEmailSender();
  }
}
