import { Module } from '@nestjs/common';
import { InflightBodyBudget } from './inflight-body-budget';

/** The injection token of the in-flight body budget's size in bytes; the app's configuration module provides it to everyone. */
export const INFLIGHT_BODY_BYTES = Symbol('INFLIGHT_BODY_BYTES');

/**
 * The one InflightBodyBudget of the process: the app's admission stage holds
 * each request body's bytes in it, and others read it (the push parser asks
 * whether other bodies are in flight; /metrics reports the bytes held).
 */
@Module({
  providers: [{ provide: InflightBodyBudget, inject: [INFLIGHT_BODY_BYTES], useFactory: (bytes: number) => new InflightBodyBudget(bytes) }],
  exports: [InflightBodyBudget],
})
export class InflightBodyBudgetModule {}
