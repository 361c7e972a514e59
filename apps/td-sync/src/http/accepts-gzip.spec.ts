import { acceptsGzip } from './accepts-gzip';

describe('acceptsGzip', () => {
  it.each([
    ['gzip', true],
    ['gzip, deflate', true],
    ['deflate, gzip', true],
    [' GZip ', true],
    ['x-gzip', true],
    ['gzip;q=1', true],
    ['gzip; q=0.001', true],
    ['br;q=1.0, gzip;q=0.5, *;q=0', true],
    ['*', true],
    ['deflate, *;q=0.2', true],
    ['gzip;q=0', false],
    ['gzip;q=0.0, *', false],
    ['gzip;Q=0', false],
    ['gzip;q=bogus', false],
    ['*;q=0', false],
    ['identity', false],
    ['br, deflate, compress', false],
    ['', false],
  ])('%j: %s', (header, expected) => {
    expect(acceptsGzip(header)).toBe(expected);
  });

  it('refuses gzip without the header, and reads a header given twice as one list', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip(['br', 'gzip'])).toBe(true);
    expect(acceptsGzip(['gzip;q=0', '*'])).toBe(false);
  });
});
