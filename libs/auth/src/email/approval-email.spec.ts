import { approvalEmail } from './approval-email';

describe('approvalEmail', () => {
  const link = 'https://sync.example.com/auth/device/approve?token=0123456789abcdef01234567.ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef';

  it('puts the link, the address, the device and the expiry in both parts', () => {
    const message = approvalEmail({ to: 'ada@example.com', link, deviceName: 'ada-laptop', expiresInMinutes: 15 });
    expect(message.to).toBe('ada@example.com');
    for (const part of [message.text, message.html]) {
      expect(part).toContain('ada@example.com');
      expect(part).toContain('ada-laptop');
      expect(part).toContain('15 minutes');
    }
    expect(message.text).toContain(`\n${link}\n`);
    expect(message.html).toContain(`href="${link}"`);
  });

  it('keeps a fixed subject, so a chosen device name cannot phrase it', () => {
    expect(approvalEmail({ to: 'a@b.c', link, deviceName: 'URGENT: verify your bank', expiresInMinutes: 15 }).subject).toBe('Approve your td sign-in');
  });

  it('escapes the device name and the link in the HTML part', () => {
    const message = approvalEmail({ to: 'a@b.c', link: 'https://x.test/a?b=1&c="2"', deviceName: '<a href="https://evil.test">click</a>', expiresInMinutes: 15 });
    expect(message.html).not.toContain('<a href="https://evil.test">');
    expect(message.html).toContain('&lt;a href=&quot;https://evil.test&quot;&gt;click&lt;/a&gt;');
    expect(message.html).toContain('href="https://x.test/a?b=1&amp;c=&quot;2&quot;"');
  });

  it('names the typed code in both parts of a typed-code confirmation, so it can be compared with the terminal', () => {
    const message = approvalEmail({ to: 'ada@example.com', link, deviceName: null, userCode: 'ABC234', expiresInMinutes: 9 });
    expect(message.subject).toBe('Approve your td sign-in');
    expect(message.text).toContain('Someone typed the code ABC234 to sign in to td as ada@example.com');
    expect(message.text).toContain('your terminal shows ABC234');
    expect(message.text).toContain('expires in 9 minutes');
    expect(message.html).toMatch(/typed the code <strong[^>]*>ABC234<\/strong>/);
    expect(message.text).toContain(`\n${link}\n`);
    expect(approvalEmail({ to: 'a@b.c', link, deviceName: null, expiresInMinutes: 15 }).text).not.toContain('typed the code');
  });

  it('says "a device" when the client sent no name', () => {
    expect(approvalEmail({ to: 'a@b.c', link, deviceName: null, expiresInMinutes: 15 }).text).toContain('from a device.');
  });
});
