export { SyncModule } from './sync.module';
export { SyncCounters } from './sync-counters';
