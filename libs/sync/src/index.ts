export { SyncModule } from './sync.module';
export { SyncCounters } from './sync-counters';
export { CHECKS_OWN_JSON_SHAPE } from './json-shape-route';
