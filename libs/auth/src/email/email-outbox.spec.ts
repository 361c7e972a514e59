import { Logger } from '@nestjs/common';
import type { EmailMessage } from './email-message';
import { EmailOutbox } from './email-outbox';
import { EmailSender } from './email-sender';

/** A sender whose deliveries the test settles by hand. */
class ManualSender extends EmailSender {
  readonly pending: Array<{ message: EmailMessage; resolve: () => void; reject: (error: Error) => void }> = [];

  send(message: EmailMessage): Promise<void> {
    return new Promise((resolve, reject) => this.pending.push({ message, resolve, reject }));
  }
}

const message: EmailMessage = { to: 'a@example.com', subject: 'Approve', text: 'secret link https://x/?token=abc', html: '<p>x</p>' };

describe('EmailOutbox', () => {
  afterEach(() => jest.restoreAllMocks());

  it('returns before delivery, and idle() resolves once everything is delivered', async () => {
    const sender = new ManualSender();
    const outbox = new EmailOutbox(sender);
    outbox.enqueue(message);
    outbox.enqueue({ ...message, to: 'b@example.com' });
    let idle = false;
    const waiting = outbox.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    sender.pending.forEach((p) => p.resolve());
    await waiting;
    expect(idle).toBe(true);
  });

  it('logs a failed delivery without the message text, runs onFailure, and never rejects', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sender = new ManualSender();
    const outbox = new EmailOutbox(sender);
    const onFailure = jest.fn(async () => undefined);
    outbox.enqueue(message, onFailure);
    sender.pending[0].reject(new Error('relay refused'));
    await outbox.idle();
    expect(onFailure).toHaveBeenCalledTimes(1);
    const logged = errors.mock.calls.map((c) => String(c[0])).join('\n');
    expect(logged).toContain('relay refused');
    expect(logged).toContain('a@example.com');
    expect(logged).not.toContain('token=');
  });

  it('survives an onFailure that throws', async () => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const sender = new ManualSender();
    const outbox = new EmailOutbox(sender);
    outbox.enqueue(message, async () => {
      throw new Error('database gone');
    });
    sender.pending[0].reject(new Error('relay refused'));
    await expect(outbox.idle()).resolves.toBeUndefined();
  });

  it('waits for emails in flight before shutdown', async () => {
    const sender = new ManualSender();
    const outbox = new EmailOutbox(sender);
    outbox.enqueue(message);
    let done = false;
    const shutdown = outbox.beforeApplicationShutdown().then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    sender.pending[0].resolve();
    await shutdown;
    expect(done).toBe(true);
  });
});
