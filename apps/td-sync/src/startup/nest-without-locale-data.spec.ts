/* eslint-disable @typescript-eslint/no-require-imports -- jest.isolateModules gives a fresh copy of a module only to require */
/**
 * Counts the Intl.DateTimeFormat objects made while a fresh copy of
 * @nestjs/common loads (jest.isolateModules gives each load its own module
 * registry, so Nest's module-level code runs again).
 */
function countingDateTimeFormat() {
  const original = Intl.DateTimeFormat;
  const made: unknown[][] = [];
  const counting = new Proxy(original, {
    construct(target, args: unknown[]) {
      made.push(args);
      return Reflect.construct(target, args) as object;
    },
  });
  Intl.DateTimeFormat = counting;
  return { original, counting, made, restore: () => (Intl.DateTimeFormat = original) };
}

describe('nest-without-locale-data', () => {
  it('is needed: loading @nestjs/common on its own makes date formatters (which map ICU locale data)', () => {
    const spy = countingDateTimeFormat();
    try {
      jest.isolateModules(() => require('@nestjs/common'));
      expect(spy.made.length).toBeGreaterThan(0);
    } finally {
      spy.restore();
    }
  });

  it('loads @nestjs/common without making a date formatter, and leaves Intl.DateTimeFormat as it was', () => {
    const spy = countingDateTimeFormat();
    try {
      jest.isolateModules(() => require('./nest-without-locale-data'));
      expect(spy.made).toEqual([]);
      expect(Intl.DateTimeFormat).toBe(spy.counting);
    } finally {
      spy.restore();
    }
  });

  it("keeps Nest's console logger printing its timestamp: the formatter is made on first use, with Nest's options", () => {
    const spy = countingDateTimeFormat();
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      let nest!: typeof import('@nestjs/common');
      jest.isolateModules(() => {
        require('./nest-without-locale-data');
        nest = require('@nestjs/common') as typeof import('@nestjs/common');
      });
      expect(spy.made).toEqual([]);

      new nest.ConsoleLogger('Spec', { colors: false }).log('hello');

      const line = write.mock.calls.map(([chunk]) => String(chunk)).join('');
      const expected = new spy.original(undefined, { year: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', day: '2-digit', month: '2-digit' });
      expect(line).toContain('[Spec] hello');
      // The same text a formatter made with Nest's own options gives for this minute (not the seconds: they may tick between the two).
      expect(line).toContain(expected.format(Date.now()).slice(0, 10));
      expect(spy.made.length).toBe(1);
      expect(spy.made[0][1]).toMatchObject({ year: 'numeric', month: '2-digit', day: '2-digit' });
    } finally {
      write.mockRestore();
      spy.restore();
    }
  });
});
