import { SyncConfig } from './sync-config';
import { unknownSettingWarnings } from './unknown-settings';

describe('unknownSettingWarnings', () => {
  const warningsFor = (env: Record<string, string>) => unknownSettingWarnings(SyncConfig.fromEnv(env));

  it('names each SYNC_* variable that is no setting, suggesting the setting a few letters away', () => {
    expect(warningsFor({ SYNC_LISTEN_ADDRESS: ':9090', SYNC_RATE_LIMIT_PUSHES: '10' })).toEqual([
      "SYNC_LISTEN_ADDRESS is not a td-sync setting and has no effect (did you mean SYNC_LISTEN_ADDR?); the README's Configuration section lists the settings",
      "SYNC_RATE_LIMIT_PUSHES is not a td-sync setting and has no effect (did you mean SYNC_RATE_LIMIT_PUSH?); the README's Configuration section lists the settings",
    ]);
  });

  it('suggests the setting that ends with the unknown name\'s words, and nothing when none is near', () => {
    expect(warningsFor({ SYNC_DATA_DIR: '/srv' })).toEqual([expect.stringContaining('(did you mean SYNC_PROJECT_DATA_DIR?)')]);
    expect(warningsFor({ SYNC_CORS_ORIGINS: '*' })).toEqual([
      "SYNC_CORS_ORIGINS is not a td-sync setting and has no effect; the README's Configuration section lists the settings",
    ]);
  });

  it('says nothing about settings, or about variables outside SYNC_*', () => {
    expect(warningsFor({ SYNC_LISTEN_ADDR: ':9090', SYNC_LOG_LEVEL: 'warn', HOME: '/root', TD_SYNC_URL: 'x', sync_listen_addr: 'y' })).toEqual([]);
  });
});
