import { Logger } from '@nestjs/common';
import type { EmailMessage } from './email-message';
import { EmailSender } from './email-sender';

/**
 * The default provider: writes the message, link included, to the server log
 * instead of sending it. Meant for one operator on their own machine, who reads
 * the link from the log; anyone who can read the log can log in as anyone.
 */
export class LogEmailSender extends EmailSender {
  private readonly logger = new Logger('Email');

  async send(message: EmailMessage): Promise<void> {
    this.logger.log(`email not sent (email provider is "log"): to ${message.to}, subject "${message.subject}"\n${message.text}`);
  }
}
