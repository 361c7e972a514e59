#!/usr/bin/env node
import './startup/no-allocation-site-pretenuring'; // before the first scavenge: requests' objects stay young (see there)
import 'reflect-metadata';
import './startup/nest-without-locale-data'; // before anything else loads Nest: 5 MB less resident (see there)
import { runCli } from './cli/run-cli';

/**
 * The `td-sync` command (package.json `bin`; what `npm start` and the Docker
 * image run): `td-sync serve` by default, or one of the operator's commands.
 * Exits with the command's code once it is done (for the server, once it has
 * stopped).
 */
void runCli(process.argv.slice(2)).then((code) => {
  // Once stdout has taken everything written (a pipe may still hold part of a long --json answer).
  process.stdout.write('', () => process.exit(code));
});
