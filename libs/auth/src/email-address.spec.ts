import { isValidEmail } from './email-address';

describe('isValidEmail', () => {
  it.each(['a@example.com', 'first.last+tag@sub.example.co.uk', "o'brien@example.ie", 'a@localhost', 'x_y-z@e-x.io', 'jürgen@münchen.de', `${'l'.repeat(64)}@example.com`])(
    'accepts %s',
    (value) => expect(isValidEmail(value)).toBe(true),
  );

  it.each([
    '',
    'plain',
    '@example.com',
    'a@',
    'a@@example.com',
    'a@b@example.com',
    'a b@example.com',
    'a@exa mple.com',
    'Ada <ada@example.com>',
    '"quoted"@example.com',
    '.a@example.com',
    'a.@example.com',
    'a..b@example.com',
    'a@.example.com',
    'a@example.com.',
    'a@-example.com',
    'a@example-.com',
    'a@exa_mple.com',
    'a\n@example.com',
    `${'l'.repeat(65)}@example.com`,
    `a@${'d'.repeat(250)}.com`,
  ])('rejects %j', (value) => expect(isValidEmail(value)).toBe(false));
});
