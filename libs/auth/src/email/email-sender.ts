import type { EmailMessage } from './email-message';

/**
 * How approval emails leave the server. An abstract class rather than an
 * interface so it can be the injection token: the provider is chosen once,
 * from the configuration, in AuthModule.
 */
export abstract class EmailSender {
  /** Resolves once the message is handed over; rejects when it could not be. */
  abstract send(message: EmailMessage): Promise<void>;
}
