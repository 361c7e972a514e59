import { lastOwnerRefusal } from './last-owner';

describe('lastOwnerRefusal', () => {
  it('refuses demoting the only owner, saying why', () => {
    expect(lastOwnerRefusal('owner', 'writer', 1)).toMatch(/cannot demote the last owner.*at least one owner/);
    expect(lastOwnerRefusal('owner', 'reader', 1)).toMatch(/cannot demote the last owner/);
  });

  it('refuses removing the only owner, saying why', () => {
    expect(lastOwnerRefusal('owner', null, 1)).toMatch(/cannot remove the last owner.*at least one owner/);
  });

  it('allows an owner to stay owner even when alone', () => {
    expect(lastOwnerRefusal('owner', 'owner', 1)).toBeUndefined();
  });

  it('allows demoting or removing an owner while another owner remains', () => {
    expect(lastOwnerRefusal('owner', 'reader', 2)).toBeUndefined();
    expect(lastOwnerRefusal('owner', null, 3)).toBeUndefined();
  });

  it('never refuses changes to writers and readers', () => {
    for (const current of ['writer', 'reader'] as const) {
      for (const next of ['owner', 'writer', 'reader', null] as const) {
        expect(lastOwnerRefusal(current, next, 1)).toBeUndefined();
      }
    }
  });
});
