import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { ConfigValidationError } from './config/app-config';
import { registerCommands } from './cli/commands';

/**
 * `npm run cli -- <command>`: the same modules as the HTTP service, without the HTTP
 * server. Each capability adds its commands in cli/commands.ts.
 */
async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('registry')
    .description('Provincial social-insurance registry command line')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  await program.parseAsync(argv);
}

main(process.argv).then(
  () => process.exit(process.exitCode ?? 0),
  (error: unknown) => {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    if (error instanceof ConfigValidationError) process.stderr.write(`${error.message}\n`);
    else if (error instanceof Error && 'code' in error)
      process.stderr.write(`error ${String((error as { code: unknown }).code)}: ${error.message}\n`);
    else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
