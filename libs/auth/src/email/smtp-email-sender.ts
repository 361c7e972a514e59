import { OnApplicationShutdown } from '@nestjs/common';
import { createTransport, Transporter } from 'nodemailer';
import type { EmailMessage } from './email-message';
import { EmailSender } from './email-sender';

/**
 * nodemailer's defaults wait minutes on a relay that accepts the connection and
 * then stalls; shutdown waits for in-flight emails, so keep every wait short.
 */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/** Sends through an SMTP relay given as a URL (`smtp://user:pass@host:587`, `smtps://…:465`). */
export class SmtpEmailSender extends EmailSender implements OnApplicationShutdown {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
  ) {
    super();
    this.transport = createTransport({
      url: smtpUrl,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
    });
  }

  async send(message: EmailMessage): Promise<void> {
    await this.transport.sendMail({ from: this.from, to: message.to, subject: message.subject, text: message.text, html: message.html });
  }

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
