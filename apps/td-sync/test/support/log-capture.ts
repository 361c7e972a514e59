import { PinoLogger } from 'nestjs-pino';
import { symbols } from 'pino';
import type { HttpResult } from './http';

/** One JSON log line of an in-process test server. */
export interface LogLine {
  level: number;
  msg: string;
  request_id?: string;
  [field: string]: unknown;
}

/** pino's numeric level of `error`; test servers log at this level and above only. */
export const ERROR = 50;

/**
 * What the in-process test servers log, kept here instead of on the jest
 * worker's stdout.
 *
 * pino writes straight to file descriptor 1, past jest's console capture, so
 * a spec that provokes a 500 on purpose used to print the error with its stack
 * among the results. Instead, every line is collected here; a spec that
 * expects an error claims it with `take` (and asserts on it), and
 * `expectNoUnclaimedErrors` (run after every e2e test by
 * support/setup-after-env.ts) fails a test that left an error line unclaimed:
 * an error nobody expected is a bug, not noise.
 *
 * nestjs-pino keeps two loggers per jest module registry: the one behind
 * Nest's Logger (made by the first app, kept for every later one) and
 * `PinoLogger.root` (the request logger, replaced by each app). Both get this
 * sink as their destination, through pino's public `symbols`.
 */
class LogCapture {
  private lines: LogLine[] = [];
  private readonly sink = {
    write: (chunk: string) => {
      for (const text of chunk.split('\n')) if (text) this.lines.push(JSON.parse(text) as LogLine);
    },
  };

  /** Points the loggers of the app just created at the capture. */
  install(): void {
    const loggers = [PinoLogger.root, new PinoLogger({ pinoHttp: {} }).logger];
    for (const logger of loggers) (logger as unknown as Record<symbol, unknown>)[symbols.streamSym] = this.sink;
  }

  /** Removes and returns the captured lines that match every field of `match` (or for which it is true). */
  take(match: Partial<LogLine> | ((line: LogLine) => boolean)): LogLine[] {
    const test = typeof match === 'function' ? match : (line: LogLine) => matches(line, match);
    const taken = this.lines.filter(test);
    this.lines = this.lines.filter((line) => !taken.includes(line));
    return taken;
  }

  /** Removes and returns every line of one request. */
  takeRequest(response: HttpResult): LogLine[] {
    const requestId = response.headers.get('x-request-id');
    if (!requestId) throw new Error('the response has no X-Request-ID');
    return this.take({ request_id: requestId });
  }

  /** Throws, listing them, when error lines are left that no spec claimed; clears the capture. */
  expectNoUnclaimedErrors(): void {
    const errors = this.lines.filter((line) => line.level >= ERROR);
    this.lines = [];
    if (errors.length > 0) {
      throw new Error(`the server logged ${errors.length} error line(s) no spec expected:\n${errors.map((line) => JSON.stringify(line)).join('\n')}`);
    }
  }
}

/**
 * The answer was an unexpected failure, logged as PROTOCOL.md asks: the error
 * with its request id, then the request line with the 5xx status. Claims both.
 */
export function expectFailureLogged(response: HttpResult): void {
  expect(capturedLogs.takeRequest(response)).toEqual([
    expect.objectContaining({ level: ERROR, msg: expect.stringMatching(/^request failed: /), err: expect.objectContaining({ message: expect.any(String) }) }),
    expect.objectContaining({ level: ERROR, msg: 'request completed', status: response.status }),
  ]);
}

/** /healthz answered 503: Terminus logged the failed check, and the request line has the 503. Claims both. */
export function expectHealthCheckFailureLogged(response: HttpResult, reason: string): void {
  expect(response.status).toBe(503);
  expect(capturedLogs.take((line) => line.msg.startsWith('Health Check has failed!'))).toEqual([
    expect.objectContaining({ level: ERROR, msg: expect.stringContaining(reason) }),
  ]);
  expect(capturedLogs.takeRequest(response)).toEqual([expect.objectContaining({ level: ERROR, msg: 'request completed', status: 503 })]);
}

function matches(line: LogLine, match: Partial<LogLine>): boolean {
  return Object.entries(match).every(([key, value]) => line[key] === value);
}

export const capturedLogs = new LogCapture();
