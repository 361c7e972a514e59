import { collectDefaultMetrics, Registry } from 'prom-client';

let processRegistry: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, open descriptors, event
 * loop lag, GC, Node version): they describe the process, so they are
 * collected once per process, into a registry of their own, however many
 * applications it runs (the tests run many). Every app's /metrics includes them.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
