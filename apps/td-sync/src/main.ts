#!/usr/bin/env node
// First: it bounds the young generation before the modules below are loaded.
import { servingYoungGeneration } from './startup/serving-young-generation';
import 'reflect-metadata';
import { runCli } from './cli/run-cli';

/**
 * The `td-sync` command (package.json `bin`; what `npm start` and the Docker
 * image run): `td-sync serve` by default, or one of the operator's commands.
 * Exits with the command's code once it is done (for the server, once it has
 * stopped).
 */
const args = process.argv.slice(2);
// Only a server lives long enough for the bound to matter (run-cli serves with no command, or `serve`).
if (args[0] !== undefined && args[0] !== 'serve') servingYoungGeneration.stop();
void runCli(args).then((code) => {
  // Once stdout has taken everything written (a pipe may still hold part of a long --json answer).
  process.stdout.write('', () => process.exit(code));
});
