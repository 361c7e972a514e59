/**
 * The image's own start of the server, for the PostgreSQL-mode deployments,
 * which run it without the Litestream entrypoint: tini (the ENTRYPOINT's
 * first part) and the CMD, as deploy/Dockerfile has them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEPLOY_DIR } from './deploy-support';
import { execForm, parseDockerfile } from './dockerfile-model';

export function imageServerCommand(): { init: string[]; server: string[] } {
  const runtime = parseDockerfile(readFileSync(join(DEPLOY_DIR, 'Dockerfile'), 'utf8')).stages.at(-1)!;
  const last = (keyword: string) => execForm(runtime.instructions.filter((i) => i.keyword === keyword).at(-1)!.args);
  const entrypoint = last('ENTRYPOINT');
  // tini and its `--`; what follows is the Litestream entrypoint script.
  return { init: entrypoint.slice(0, entrypoint.indexOf('--') + 1), server: last('CMD') };
}
