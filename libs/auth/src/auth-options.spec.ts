import { checkAuthOptions } from './auth-options';

describe('checkAuthOptions', () => {
  const base = { allowSignup: true, baseUrl: 'https://sync.example.com', email: { provider: 'log' as const, from: 'td <td@example.com>' }, codeLogin: 'confirm' as const };

  it('drops trailing slashes from the base URL, which links are built on', () => {
    expect(checkAuthOptions({ ...base, baseUrl: 'https://sync.example.com/td//' }).baseUrl).toBe('https://sync.example.com/td');
  });

  it('refuses the smtp provider without an SMTP URL', () => {
    expect(() => checkAuthOptions({ ...base, email: { provider: 'smtp', from: 'td <td@example.com>' } })).toThrow(/SMTP URL/);
    expect(checkAuthOptions({ ...base, email: { provider: 'smtp', smtpUrl: 'smtp://mail:587', from: 'x <x@y.z>' } }).email.smtpUrl).toBe('smtp://mail:587');
  });
});
