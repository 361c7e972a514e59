import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { EmailMessage } from './email-message';
import { EmailSender } from './email-sender';

/**
 * Sends emails in the background. A login start answers before delivery, so
 * neither its timing nor an SMTP failure tells the caller whether the address
 * has an account (PROTOCOL.md: the answer never reveals it). Failures are
 * logged, never thrown; shutdown waits for the emails still on their way.
 */
@Injectable()
export class EmailOutbox implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Email');
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly sender: EmailSender) {}

  /** `onFailure` runs after a failed delivery (it must not throw either; its errors are logged too). */
  enqueue(message: EmailMessage, onFailure?: () => Promise<void>): void {
    const sending = this.sender.send(message).catch(async (error: unknown) => {
      // The message text holds the login link: log only where it was going and why it failed.
      this.logger.error(`could not send "${message.subject}" to ${message.to}: ${describe(error)}`);
      try {
        await onFailure?.();
      } catch (cleanupError) {
        this.logger.error(`after a failed email: ${describe(cleanupError)}`);
      }
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  /** Resolves when nothing is being sent (also what tests await instead of sleeping). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.idle();
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
