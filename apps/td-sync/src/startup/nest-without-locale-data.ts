/**
 * Loads @nestjs/common without mapping ICU's locale data into the process.
 *
 * When it loads, @nestjs/common makes two `Intl.DateTimeFormat` objects (the
 * timestamp format of its ConsoleLogger). Making the first `Intl` object of a
 * process reads ICU's locale tables, which are part of the Node binary: about
 * 5 MB of its pages become resident and stay so, 5 % of an idle server's
 * memory. The server logs through pino and never formats a date with `Intl`,
 * so those formatters are made lazily here: while @nestjs/common loads,
 * `Intl.DateTimeFormat` makes a stand-in that makes the real formatter the
 * first time it is used (by a ConsoleLogger line, as before start-up has set
 * the app's logger), and `Intl.DateTimeFormat` is itself again right after.
 *
 * Imported by main.ts before anything else that loads Nest; anything that
 * loads @nestjs/common first (a spec) gets Nest's own formatters, which work
 * the same.
 */
const DateTimeFormat = Intl.DateTimeFormat;

function deferredDateTimeFormat(...args: ConstructorParameters<typeof Intl.DateTimeFormat>): Intl.DateTimeFormat {
  let formatter: Intl.DateTimeFormat | undefined;
  const real = (): Intl.DateTimeFormat => (formatter ??= new DateTimeFormat(...args));
  return new Proxy(Object.create(DateTimeFormat.prototype) as Intl.DateTimeFormat, {
    get(_target, key) {
      const value: unknown = Reflect.get(real(), key);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(real()) : value;
    },
  });
}

Intl.DateTimeFormat = deferredDateTimeFormat as unknown as typeof Intl.DateTimeFormat;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- it must load here, between the two assignments, not where imports are hoisted to
  require('@nestjs/common');
} finally {
  Intl.DateTimeFormat = DateTimeFormat;
}
