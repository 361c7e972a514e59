import { approvePage, confirmState } from './approve-page';

const HOST = 'sync.example.com';
const NOW = new Date('2026-01-31T08:15:00.000Z');
const LINK = { email: 'a@example.com', deviceName: 'box "1"', userCode: null, expiresAt: '2026-01-31T08:30:00.000Z' };

describe('approvePage', () => {
  it('asks before approving: the token goes back in a POST form, escaped, with a deny button beside Approve', () => {
    const page = approvePage(confirmState(LINK, 'sel.secret', NOW), HOST);
    expect(page.status).toBe(200);
    expect(page.html).toMatch(/<form method="post" action="\/auth\/device\/approve"/);
    expect(page.html).toContain('<input type="hidden" name="token" value="sel.secret">');
    expect(page.html).toContain('<button type="submit" name="decision" value="approve">Approve</button>');
    expect(page.html).toContain('<button type="submit" name="decision" value="deny" class="secondary">Not me, deny</button>');
    // Approve comes first: Enter in the form (and an old form's POST without a decision) approves.
    expect(page.html.indexOf('value="approve"')).toBeLessThan(page.html.indexOf('value="deny"'));
    expect(page.html).toContain('box &quot;1&quot;');
    expect(page.html).toContain('a@example.com');
  });

  it('names the server and when the request expires', () => {
    const page = approvePage(confirmState(LINK, 'sel.secret', NOW), HOST);
    expect(page.html).toContain('<dt>Server</dt><dd>sync.example.com</dd>');
    expect(page.html).toContain('<dt>Expires</dt><dd>at 08:30 UTC, in 15 minutes</dd>');
  });

  it('shows the typed code of a typed-code confirmation, to compare with the terminal', () => {
    const page = approvePage(confirmState({ ...LINK, deviceName: null, userCode: 'ABC234' }, 'sel.secret', NOW), HOST);
    expect(page.html).toContain('<dt>Code</dt><dd><code>ABC234</code></dd>');
    expect(page.html).toContain('your terminal shows the code <code>ABC234</code>');
    expect(approvePage(confirmState(LINK, 'sel.secret', NOW), HOST).html).not.toContain('<dt>Code</dt>');
  });

  it('confirms a denial without a form', () => {
    const page = approvePage({ kind: 'denied', deviceName: 'laptop' }, HOST);
    expect(page.status).toBe(200);
    expect(page.html).toContain('Sign-in denied');
    expect(page.html).toContain('<strong>laptop</strong> was not signed in');
    expect(page.html).not.toContain('<form');
  });

  it.each([
    ['malformed', 400, 'not valid'],
    ['unknown', 404, 'not valid'],
    ['expired', 410, 'has expired'],
    ['used', 410, 'already been used'],
    ['signup_disabled', 403, 'does not accept new accounts'],
  ] as const)('says what is wrong with a %s link with status %d, without a form', (kind, status, text) => {
    const page = approvePage({ kind }, HOST);
    expect(page.status).toBe(status);
    expect(page.html).toContain(text);
    expect(page.html).toContain('role="alert"');
    expect(page.html).toContain('<footer>td-sync server <strong>sync.example.com</strong></footer>');
    expect(page.html).not.toContain('<form');
  });
});
