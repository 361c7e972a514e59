import { FrameworkQuietLogger } from './framework-quiet-logger';

/** Records which level each call went to. */
function recorder() {
  const calls: Array<[string, unknown[]]> = [];
  const at = (level: string) => (...args: unknown[]) => calls.push([level, args]);
  return { calls, logger: { log: at('log'), error: at('error'), warn: at('warn'), debug: at('debug'), verbose: at('verbose'), fatal: at('fatal') } };
}

describe('FrameworkQuietLogger', () => {
  it.each(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'])('moves Nest\'s %s lines to debug, unchanged', (context) => {
    const { calls, logger } = recorder();
    new FrameworkQuietLogger(logger).log('AppModule dependencies initialized', context);
    expect(calls).toEqual([['debug', ['AppModule dependencies initialized', context]]]);
  });

  it('leaves every other line at its level', () => {
    const { calls, logger } = recorder();
    const quiet = new FrameworkQuietLogger(logger);
    quiet.log({ version: '1' }, 'td-sync 1 listening on http://[::]:8080', 'td-sync');
    quiet.warn('careful', 'RouterExplorer');
    quiet.error('broken', 'InstanceLoader');
    expect(calls.map(([level]) => level)).toEqual(['log', 'warn', 'error']);
    expect(calls[0][1]).toEqual([{ version: '1' }, 'td-sync 1 listening on http://[::]:8080', 'td-sync']);
  });
});
