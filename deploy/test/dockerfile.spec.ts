/**
 * deploy/Dockerfile and .dockerignore, checked without a Docker engine:
 * dockerfile-utils' linter, the image's shape (stages, user, volumes, health
 * check, signal handling), hadolint's main rules re-implemented for what this
 * file uses, that the Litestream it ships is byte for byte the one the backup
 * drill tests, and that the build context it is sent compiles on its own.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { validate } from 'dockerfile-utils';
import { DEPLOY_DIR, litestreamBinary, makeTempDir, removeDir, REPO_ROOT } from './support/deploy-support';
import { copyParts, DockerIgnore, execForm, expand, Instruction, parseDockerfile, stageArg } from './support/dockerfile-model';
import { knownSyncVariables } from './support/sync-variables';

const DOCKERFILE = join(DEPLOY_DIR, 'Dockerfile');
const text = readFileSync(DOCKERFILE, 'utf8');
const dockerfile = parseDockerfile(text);
const ignore = new DockerIgnore(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8'));
const build = dockerfile.stages.find((s) => s.name === 'build');
const runtime = dockerfile.stages[dockerfile.stages.length - 1];

function only(instructions: Instruction[], keyword: string): Instruction[] {
  return instructions.filter((i) => i.keyword === keyword);
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    return entry.isDirectory() ? filesUnder(path) : [path];
  });
}

describe('deploy/Dockerfile', () => {
  it('has no dockerfile-utils diagnostics', () => {
    const diagnostics = validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`);
    expect(diagnostics).toEqual([]);
  });

  it('builds in a "build" stage and runs from a separate final stage, both on Node 24 slim', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['litestream-upstream', 'build', 'runtime']);
    for (const stage of [build!, runtime]) {
      const image = expand(stage.image, dockerfile.globalArgs);
      // hadolint DL3006/DL3007: a tagged base image, never latest.
      expect(image).toMatch(/^node:24-[a-z]+-slim$/);
    }
  });

  it('installs the compiler only in the build stage, and tini only in the runtime stage', () => {
    const runs = (stage: typeof runtime) => only(stage.instructions, 'RUN').map((r) => r.args).join('\n');
    expect(runs(build!)).toMatch(/apt-get install .*\bg\+\+ make python3\b/);
    expect(runs(runtime)).not.toMatch(/g\+\+|python3|\bmake\b/);
    expect(runs(runtime)).toMatch(/apt-get install .*\btini\b/);
  });

  it('follows hadolint rules for apt-get and pipes (DL3009, DL3015, DL3014, DL4006; DL3008 waived inline)', () => {
    for (const stage of dockerfile.stages) {
      const pipefail = only(stage.instructions, 'SHELL').some((s) => execForm(s.args).includes('pipefail'));
      for (const run of only(stage.instructions, 'RUN')) {
        if (/apt-get install/.test(run.args)) {
          expect(run.args).toMatch(/apt-get update &&/);
          expect(run.args).toMatch(/apt-get install -y --no-install-recommends /);
          expect(run.args).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*/);
        }
        // A pipe in a RUN needs `set -o pipefail` in the stage's SHELL.
        if (/[^|]\|[^|]/.test(run.args)) expect({ line: run.line, pipefail }).toEqual({ line: run.line, pipefail: true });
      }
    }
    expect(text).toMatch(/DL3008 \(pin apt package versions\) is waived: /);
  });

  it('copies only what the context sends, and every COPY --from names an earlier stage', () => {
    const stageNames = dockerfile.stages.map((s) => s.name);
    for (const [index, stage] of dockerfile.stages.entries()) {
      for (const copy of only(stage.instructions, 'COPY')) {
        const { from, sources } = copyParts(copy);
        if (from !== undefined) {
          expect(stageNames.slice(0, index)).toContain(from);
          continue;
        }
        for (const source of sources) {
          expect({ source, exists: existsSync(join(REPO_ROOT, source)) }).toEqual({ source, exists: true });
          expect({ source, sent: ignore.sends(source) }).toEqual({ source, sent: true });
        }
      }
    }
    expect(only(runtime.instructions, 'COPY').some((c) => copyParts(c).sources.includes('.'))).toBe(false);
  });

  it('is sent a small context: no data, dependencies, build output, tests or VCS', () => {
    for (const path of ['node_modules/typescript/package.json', 'dist/apps/td-sync/src/main.js', 'data/server.db', '.git/HEAD', '.env', 'deploy/.env', 'deploy/k8s/statefulset.yaml', 'deploy/test/entrypoint.spec.ts', 'apps/td-sync/test/errors.e2e-spec.ts', 'libs/storage/src/project-databases.spec.ts', 'README.md']) {
      expect({ path, sent: ignore.sends(path) }).toEqual({ path, sent: false });
    }
    for (const path of ['package.json', 'package-lock.json', 'libs/storage/src/index.ts', 'apps/td-sync/src/main.ts', 'deploy/entrypoint.sh']) {
      expect({ path, sent: ignore.sends(path) }).toEqual({ path, sent: true });
    }
  });

  it('compiles from the files the build stage copies, and nothing else', () => {
    const tmp = makeTempDir('context');
    try {
      for (const copy of only(build!.instructions, 'COPY').filter((c) => copyParts(c).from === undefined)) {
        for (const source of copyParts(copy).sources) {
          const paths = statSync(join(REPO_ROOT, source)).isDirectory() ? filesUnder(source) : [source];
          for (const path of paths.filter((p) => ignore.sends(p))) {
            mkdirSync(dirname(join(tmp, path)), { recursive: true });
            cpSync(join(REPO_ROOT, path), join(tmp, path));
          }
        }
      }
      symlinkSync(join(REPO_ROOT, 'node_modules'), join(tmp, 'node_modules'), 'dir');
      const tsc = spawnSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--noEmit', '--incremental', 'false'], { cwd: tmp, encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);
    } finally {
      removeDir(tmp);
    }
  }, 120_000);

  it('ships, on linux/amd64, the Litestream binary the backup drill tests, checked by its SHA-256', () => {
    const binary = litestreamBinary();
    const sha256 = createHash('sha256').update(readFileSync(binary)).digest('hex');
    const version = spawnSync(binary, ['version'], { encoding: 'utf8' }).stdout.trim();
    expect(stageArg(build!, 'LITESTREAM_SHA256_AMD64')).toBe(sha256);
    expect(stageArg(build!, 'LITESTREAM_VERSION')).toBe(version);
    expect(version).toMatch(/^v0\.3\./);
    const copy = only(runtime.instructions, 'COPY').find((c) => copyParts(c).destination === '/usr/local/bin/litestream');
    expect(copy && copyParts(copy)).toEqual({ from: 'build', sources: ['/usr/local/bin/litestream'], destination: '/usr/local/bin/litestream' });
    const install = only(build!.instructions, 'RUN').find((r) => r.args.includes('litestream_bin='))!;
    expect(relative(join(REPO_ROOT, 'node_modules'), binary)).toBe(/amd64\) litestream_bin=node_modules\/(\S+) ;;/.exec(install.args)?.[1]);
    // (The model joins runs of spaces into one.)
    expect(install.args).toContain('echo "${LITESTREAM_SHA256_AMD64} /usr/local/bin/litestream" | sha256sum -c -');
    expect(install.args).toContain('test "$(litestream version)" = "${LITESTREAM_VERSION}"');
  });

  it('ships, on linux/arm64, upstream\'s Litestream of the same version from an image pinned by digest, and no other architecture', () => {
    const upstream = expand(dockerfile.stages[0].image, dockerfile.globalArgs);
    const [, tag, digest] = /^litestream\/litestream:([0-9.]+)@sha256:([0-9a-f]{64})$/.exec(upstream) ?? [];
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(`v${tag}`).toBe(stageArg(build!, 'LITESTREAM_VERSION'));
    const copy = only(build!.instructions, 'COPY').find((c) => copyParts(c).from === 'litestream-upstream');
    expect(copy && copyParts(copy)).toEqual({ from: 'litestream-upstream', sources: ['/usr/local/bin/litestream'], destination: '/tmp/litestream-upstream' });
    const install = only(build!.instructions, 'RUN').find((r) => r.args.includes('litestream_bin='))!;
    expect(install.args).toContain('arch="${TARGETARCH:-$(dpkg --print-architecture)}"');
    expect(install.args).toContain('arm64) litestream_bin=/tmp/litestream-upstream ;;');
    expect(install.args).toMatch(/\*\) echo "no pinned Litestream for \$\{arch\}[^"]*" >&2; exit 1 ;;/);
    expect(only(build!.instructions, 'ARG').map((a) => a.args)).toContain('TARGETARCH');
  });

  it('puts a `td-sync` command on PATH that runs the program the image serves with', () => {
    const install = only(runtime.instructions, 'RUN').find((r) => r.args.includes('/usr/local/bin/td-sync'));
    expect(install).toBeDefined();
    const [, entry] = execForm(only(runtime.instructions, 'CMD')[0].args);
    expect(install!.args).toContain(`exec node ${entry} "$@"`);
    // The same shell commands, with the image's paths moved to a temp dir and this checkout's build.
    const built = join(REPO_ROOT, 'dist/apps/td-sync/src/main.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: run \`npm run build\` first (npm test does)`);
    const tmp = makeTempDir('td-sync-command');
    try {
      const command = join(tmp, 'td-sync');
      const script = install!.args.replaceAll('/usr/local/bin/td-sync', command).replaceAll('/app/', `${REPO_ROOT}/`);
      expect(spawnSync('/bin/sh', ['-c', script]).status).toBe(0);
      expect(statSync(command).mode & 0o777).toBe(0o755);
      const help = spawnSync(command, ['users', '--help'], { encoding: 'utf8', env: { PATH: `${dirname(process.execPath)}:${process.env.PATH}` } });
      expect({ status: help.status, stderr: help.stderr }).toEqual({ status: 0, stderr: '' });
      expect(help.stdout).toMatch(/^Usage: td-sync users <command>/);
    } finally {
      removeDir(tmp);
    }
  });

  it('runs as the unprivileged node user with /data and /backups as volumes', () => {
    const users = only(runtime.instructions, 'USER').map((u) => u.args);
    expect(users).toEqual(['node']);
    const volumes = only(runtime.instructions, 'VOLUME').flatMap((v) => execForm(v.args));
    expect(volumes).toEqual(['/data', '/backups']);
    expect(only(runtime.instructions, 'EXPOSE').map((e) => e.args)).toEqual(['8080']);
    const env = only(runtime.instructions, 'ENV').map((e) => e.args).join(' ');
    expect(env).toContain('SYNC_LISTEN_ADDR=:8080');
    expect(env).toContain('SYNC_SERVER_DB_PATH=/data/server.db');
    expect(env).toContain('SYNC_PROJECT_DATA_DIR=/data/projects');
    expect(env).toContain('LITESTREAM_BACKUP_DIR=/backups');
    const known = knownSyncVariables();
    for (const name of env.match(/\bSYNC_[A-Z_]+/g) ?? []) expect({ name, known: known.has(name) }).toEqual({ name, known: true });
  });

  it('gives Node the options npm start gives it, for every way the image starts the server', () => {
    const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }).scripts.start;
    const startOptions = /^exec node ((?:--\S+ ?)*) dist\//.exec(start)?.[1];
    expect(startOptions).toMatch(/^--max-semi-space-size=\d+$/);
    const env = only(runtime.instructions, 'ENV').map((e) => e.args).join(' ');
    expect(/\bNODE_OPTIONS=(\S+|"[^"]*")/.exec(env)?.[1].replace(/"/g, '')).toBe(startOptions);
  });

  it('checks health with Node alone and hands signals through tini to the entrypoint', () => {
    const [healthcheck] = only(runtime.instructions, 'HEALTHCHECK');
    expect(healthcheck.args).toMatch(/^--interval=\S+ --timeout=\S+ --start-period=\S+ --retries=\d+ CMD /);
    expect(execForm(healthcheck.args.replace(/^.*? CMD /, ''))).toEqual(['node', '/app/deploy/healthcheck.js']);
    const [entrypoint] = only(runtime.instructions, 'ENTRYPOINT');
    expect(execForm(entrypoint.args)).toEqual(['/usr/bin/tini', '--', '/bin/sh', '/app/deploy/entrypoint.sh']);
    const [cmd] = only(runtime.instructions, 'CMD');
    const start = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start;
    // The script `exec`s node so that npm's forwarded signals reach the server; the image runs the same command
    // (its Node options through NODE_OPTIONS, which also reach the compose files' and Kubernetes' commands).
    expect(execForm(cmd.args).join(' ')).toBe(start.replace(/^exec /, '').replace(/ --\S+/g, '').replace(' dist/', ' /app/dist/'));
    // USER comes before ENTRYPOINT, so nothing at run time is root.
    const order = runtime.instructions.map((i) => i.keyword);
    expect(order.indexOf('USER')).toBeLessThan(order.indexOf('ENTRYPOINT'));
  });
});
