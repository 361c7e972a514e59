import { approvePage } from './approve-page';

describe('approvePage', () => {
  it('asks before approving: the token goes back in a POST form, escaped', () => {
    const page = approvePage({ kind: 'confirm', token: 'sel.secret', email: 'a@example.com', deviceName: 'box "1"' });
    expect(page).toMatch(/<form method="post" action="\/auth\/device\/approve"/);
    expect(page).toContain('<input type="hidden" name="token" value="sel.secret">');
    expect(page).toContain('box &quot;1&quot;');
    expect(page).toContain('a@example.com');
  });

  it('shows the typed code of a typed-code confirmation, to compare with the terminal', () => {
    const page = approvePage({ kind: 'confirm', token: 'sel.secret', email: 'a@example.com', deviceName: null, userCode: 'ABC234' });
    expect(page).toContain('<dt>Code</dt><dd><code>ABC234</code></dd>');
    expect(page).toContain('your terminal shows the code <code>ABC234</code>');
    expect(approvePage({ kind: 'confirm', token: 'sel.secret', email: 'a@example.com', deviceName: null, userCode: null })).not.toContain('<dt>Code</dt>');
  });

  it.each([
    ['invalid', 'not valid'],
    ['expired', 'has expired'],
    ['used', 'already been used'],
    ['signup_disabled', 'does not accept new accounts'],
  ] as const)('says what is wrong with a %s link, without a form', (kind, text) => {
    const page = approvePage({ kind });
    expect(page).toContain(text);
    expect(page).toContain('role="alert"');
    expect(page).not.toContain('<form');
  });
});
