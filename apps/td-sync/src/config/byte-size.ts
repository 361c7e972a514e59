/**
 * Parses a size in bytes: a plain integer, or a number with a unit, binary
 * (KiB, MiB, GiB) or decimal (KB, MB, GB; K, M, G read as binary, as `ulimit`
 * and Kubernetes readers tend to mean them). Case-insensitive; an optional
 * space before the unit.
 */
const UNIT_BYTES: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: 1024 ** 2,
  mib: 1024 ** 2,
  mb: 1000 ** 2,
  g: 1024 ** 3,
  gib: 1024 ** 3,
  gb: 1000 ** 3,
};

export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?) ?([a-z]*)$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = UNIT_BYTES[match[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}
