import { ForbiddenException } from '@nestjs/common';
import { countFailures } from './count-failures';

abstract class Greeter {
  abstract greet(name: string): Promise<string>;
}

class FlakyGreeter extends Greeter {
  calls = 0;

  async greet(name: string): Promise<string> {
    this.calls++;
    if (name === 'db') throw new Error('SQLITE_IOERR: disk I/O error');
    if (name === 'stranger') throw new ForbiddenException('not a member');
    return this.polite(name);
  }

  /** Called from greet: must not be counted twice. */
  async polite(name: string): Promise<string> {
    if (name === 'nested') throw new Error('inner failure');
    return `hello ${name}`;
  }

  syncLookup(name: string): string {
    if (name === 'db') throw new Error('SQLITE_BUSY');
    return name;
  }
}

describe('countFailures', () => {
  function setup() {
    const repository = new FlakyGreeter();
    let failures = 0;
    const view = countFailures(repository, () => failures++);
    return { repository, view, failures: () => failures };
  }

  it('passes calls and answers through to the repository, which stays the one with the state', async () => {
    const { repository, view, failures } = setup();
    await expect(view.greet('ada')).resolves.toBe('hello ada');
    expect(repository.calls).toBe(1);
    expect(view.calls).toBe(1);
    expect(view).toBeInstanceOf(Greeter);
    expect(view).toBeInstanceOf(FlakyGreeter);
    expect(failures()).toBe(0);
  });

  it('counts a failure once and passes the very error on, for async and sync methods alike', async () => {
    const { view, failures } = setup();
    const error = await view.greet('db').catch((e: unknown) => e);
    expect(error).toEqual(new Error('SQLITE_IOERR: disk I/O error'));
    expect(() => view.syncLookup('db')).toThrow('SQLITE_BUSY');
    await expect(view.greet('nested')).rejects.toThrow('inner failure');
    expect(failures()).toBe(3);
  });

  it('does not count a refusal of an access rule (an HttpException)', async () => {
    const { view, failures } = setup();
    await expect(view.greet('stranger')).rejects.toBeInstanceOf(ForbiddenException);
    expect(failures()).toBe(0);
  });
});
