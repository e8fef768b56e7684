import { Logger } from '@nestjs/common';
import { instanceName } from '../common/leased-runs';
import { CliLogger } from './app-context';

describe('the CLI process', () => {
  it('logs every level to stderr, leaving stdout to what the command prints', () => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => stdout.push(String(s)) > 0);
    const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => stderr.push(String(s)) > 0);
    try {
      Logger.overrideLogger(new CliLogger({ logLevels: ['error', 'warn'], colors: false }));
      new Logger('Projections').warn('projection lease lost');
      new Logger('Projections').error('projection lease round failed');
      new Logger('Projections').log('not at this level');
    } finally {
      Logger.overrideLogger(false);
      out.mockRestore();
      err.mockRestore();
    }
    expect(stdout).toEqual([]);
    const written = stderr.join('');
    expect(written).toContain('WARN [Projections] projection lease lost');
    expect(written).toContain('ERROR [Projections] projection lease round failed');
    expect(written).not.toContain('not at this level');
  });

  it('holds leases under a name of its own, never the service instance it was configured as', () => {
    expect(instanceName({ INSTANCE_ID: 'node-1' }, false)).toBe('node-1');
    expect(instanceName({ INSTANCE_ID: 'node-1' }, true)).toBe(`node-1-cli-${process.pid}`);
    expect(instanceName({}, true)).toMatch(new RegExp(`-cli-${process.pid}$`));
    expect(instanceName({}, false)).toMatch(new RegExp(`-${process.pid}$`));
  });
});
