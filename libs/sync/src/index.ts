export { SyncModule } from './sync.module';
export { SyncCounters } from './sync-counters';
export { normalizeRfc3339 } from './rfc3339';
export { SyncMetrics } from './sync-metrics';
export { LARGE_PUSHES_AT_ONCE } from './large-push-gate';
