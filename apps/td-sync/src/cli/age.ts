import { parseDurationMs } from '../config/duration';

const DAY_MS = 86_400_000;

/** `30d`, `2w`, or a Go-style duration (`36h`, `90m`): a grace period in milliseconds; undefined when it is none of these. */
export function parseAgeMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([dw])$/.exec(text.trim());
  if (match) return Math.round(Number(match[1]) * (match[2] === 'w' ? 7 : 1) * DAY_MS);
  return parseDurationMs(text.trim());
}
