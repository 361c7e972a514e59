import { RuleTester } from 'eslint';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import tseslint from 'typescript-eslint';
import moduleBoundaries from './module-boundaries';

const root = resolve(__dirname, '../..');
const at = (file: string) => join(root, file);

// RuleTester runs its cases as tests of the surrounding test framework.
RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

describe('td-sync/module-boundaries', () => {
  new RuleTester({ languageOptions: { parser: tseslint.parser } }).run('module-boundaries', moduleBoundaries, {
    valid: [
      { filename: at('libs/sync/src/sync.service.ts'), code: "import { EventStore } from '@td-sync/storage';" },
      { filename: at('libs/sync/src/sync.service.ts'), code: "import { parsePushRequest } from './push-request';" },
      { filename: at('libs/storage/src/sqlite/sqlite-event-store.ts'), code: "import { ProjectDatabases } from '../project-databases';" },
      { filename: at('libs/sync/src/sync.service.ts'), code: "import { Injectable } from '@nestjs/common';" },
      { filename: at('apps/td-sync/src/app.module.ts'), code: "import { SyncModule } from '@td-sync/sync';" },
      { filename: at('apps/td-sync/test/push.e2e-spec.ts'), code: "import { createApp } from '../src/create-app';" },
    ],
    invalid: [
      {
        filename: at('libs/sync/src/sync.service.ts'),
        code: "import { SqliteEventLog } from '@td-sync/storage/sqlite/sqlite-event-log';",
        errors: [{ messageId: 'deepImport' }],
      },
      {
        filename: at('apps/td-sync/src/app.module.ts'),
        code: "import { EmailOutbox } from '@td-sync/auth/email/email-outbox';",
        errors: [{ messageId: 'deepImport' }],
      },
      {
        filename: at('libs/sync/src/sync.service.ts'),
        code: "import { ProjectAccess } from '../../projects/src/project-access';",
        errors: [{ messageId: 'crossPackage' }],
      },
      {
        filename: at('apps/td-sync/src/app.module.ts'),
        code: "export * from '../../../libs/storage/src';",
        errors: [{ messageId: 'crossPackage' }],
      },
      {
        filename: at('libs/sync/src/sync.controller.ts'),
        code: "import type { SyncConfig } from '../../../apps/td-sync/src/config/sync-config';",
        errors: [{ messageId: 'libToApp' }],
      },
      {
        filename: at('libs/http/src/raw-body.ts'),
        code: "type Body = import('apps/td-sync/src/http/body-parsers').Parsed;",
        errors: [{ messageId: 'libToApp' }],
      },
      {
        filename: at('libs/auth/src/auth.module.ts'),
        code: "const config = require('../../../scripts/bench.mjs');",
        errors: [{ messageId: 'leavesPackage' }],
      },
      {
        filename: at('libs/sync/src/sync.module.ts'),
        code: "import { SyncCounters } from '@td-sync/sync';",
        errors: [{ messageId: 'ownAlias' }],
      },
    ],
  });

  it('is part of `npm run lint`, which fails on a deliberate violation', () => {
    const lint = (file: string, code: string) =>
      spawnSync(process.execPath, [join(root, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', file], {
        cwd: root,
        input: code,
        encoding: 'utf8',
      });
    const violation = lint('libs/sync/src/violation.ts', "export { SqliteEventLog } from '@td-sync/storage/sqlite/sqlite-event-log';\n");
    expect(violation.status).toBe(1);
    expect(violation.stdout).toContain('td-sync/module-boundaries');
    const clean = lint('libs/sync/src/violation.ts', "export { EventStore } from '@td-sync/storage';\n");
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.status).toBe(0);
  });
});
