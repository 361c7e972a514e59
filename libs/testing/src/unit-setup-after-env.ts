import { Logger } from '@nestjs/common';

/**
 * Every unit spec: Nest's debug and verbose lines (a ProjectDatabases
 * constructed in a spec announces its descriptor budget) print nothing, so
 * the test output shows what matters. Warnings and errors still print: a spec
 * that expects one spies on it and asserts it. Set for a spec's beforeAll and
 * again before each test, because specs restore their mocks.
 */
function quietDebugLines(): void {
  jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  jest.spyOn(Logger.prototype, 'verbose').mockImplementation(() => undefined);
}
beforeAll(quietDebugLines);
beforeEach(quietDebugLines);
