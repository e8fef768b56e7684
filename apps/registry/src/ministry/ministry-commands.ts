import { Command } from 'commander';
import { withAppContext } from '../cli/app-context';
import { MinistryExchangeService } from './ministry-exchange.service';
import { MinistryInteractionsService } from './ministry-interactions.service';
import { MinistryUploadService } from './ministry-upload.service';

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** ministry-upload, ministry-download, ministry-status: the exchange from the command line. */
export function registerMinistryCommands(program: Command): void {
  program
    .command('ministry-upload')
    .description('Upload verified registration data to the ministry now, from the last acknowledged position')
    .action(async () => {
      await withAppContext(async (app) => {
        const result = await app.get(MinistryUploadService).uploadNow();
        print(result);
        if (result.outcome !== 'completed') process.exitCode = 1;
      });
    });

  program
    .command('ministry-download')
    .description("Download the ministry's interaction data (insured or deceased elsewhere) and record it")
    .option('--restart', 'start again from the first interaction (already applied ones record nothing)')
    .action(async (options: { restart?: boolean }) => {
      await withAppContext(async (app) => {
        const result = await app.get(MinistryInteractionsService).downloadInteractions({ restart: options.restart === true });
        print(result);
        if (result.outcome !== 'completed') process.exitCode = 1;
      });
    });

  program
    .command('ministry-status')
    .description('Print the exchange state: acknowledged position, pending events, failures, download counts')
    .action(async () => {
      await withAppContext(async (app) => print(await app.get(MinistryExchangeService).status()));
    });
}
