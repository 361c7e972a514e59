import { YoungGenerationCap } from './young-generation-cap';

/**
 * The process's YoungGenerationCap, holding growth from the moment this module
 * loads: main.ts imports it before anything else, because loading the server's
 * modules (and Nest's start) allocates enough to take the young generation to
 * V8's maximum before `serve` runs. `serve` releases it once listening; the
 * operator's commands stop it and run with V8's defaults.
 */
export const servingYoungGeneration = new YoungGenerationCap().hold();
