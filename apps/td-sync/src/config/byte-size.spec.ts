import { parseByteSize } from './byte-size';

describe('parseByteSize', () => {
  it.each([
    ['0', 0],
    ['65536', 65_536],
    ['64MiB', 64 * 1024 * 1024],
    ['64 MiB', 64 * 1024 * 1024],
    ['64m', 64 * 1024 * 1024],
    ['512KiB', 512 * 1024],
    ['1.5GiB', 1.5 * 1024 ** 3],
    ['100MB', 100_000_000],
    ['2kb', 2000],
  ])('reads %s as %d bytes', (text, bytes) => {
    expect(parseByteSize(text)).toBe(bytes);
  });

  it.each(['', 'lots', '-1MiB', '64 TiB', '64MiBs', '1e3', '99999999999999999999'])('refuses %p', (text) => {
    expect(parseByteSize(text)).toBeUndefined();
  });
});
