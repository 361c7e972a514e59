import { capturedLogs } from './log-capture';

/**
 * Every e2e test: an error the in-process server logged and the test did not
 * claim (support/log-capture.ts) fails it, so expected faults stay out of the
 * output and unexpected ones cannot hide there.
 */
afterEach(() => {
  capturedLogs.expectNoUnclaimedErrors();
});
