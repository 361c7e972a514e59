import { Logger } from '@nestjs/common';
import { LogEmailSender } from './log-email-sender';

describe('LogEmailSender', () => {
  afterEach(() => jest.restoreAllMocks());

  it('writes recipient, subject and the whole text, link included, to the log', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    await new LogEmailSender().send({ to: 'a@example.com', subject: 'Approve your td sign-in', text: 'open https://s.test/auth/device/approve?token=t', html: '<p></p>' });
    const line = String(log.mock.calls[0][0]);
    expect(line).toContain('a@example.com');
    expect(line).toContain('Approve your td sign-in');
    expect(line).toContain('https://s.test/auth/device/approve?token=t');
  });
});
