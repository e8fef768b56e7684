import { Command } from 'commander';
import { withAppContext } from '../cli/app-context';
import { Clock } from '../common/clock';
import { ReminderCycle } from './reminder-cycle.service';

/** `cli reminders run [--at <ISO time>]`: one reminder cycle now, its report as JSON. */
export function registerReminderCommands(program: Command): void {
  const reminders = program.command('reminders').description('Automatic reminders');
  reminders
    .command('run')
    .description('Run one reminder cycle: evaluate the rules, schedule what is due, send outside quiet hours, record receipts')
    .option('--at <time>', 'evaluate and send as of this instant (ISO 8601), to rehearse a date; default now')
    .action(async (options: { at?: string }) => {
      const at = options.at === undefined ? undefined : new Date(options.at);
      if (at && Number.isNaN(at.getTime())) throw new Error('--at must be an ISO 8601 time, e.g. 2025-12-10T10:00:00+08:00');
      await withAppContext(async (app) => {
        if (at) app.get(Clock).now = () => new Date(at);
        const report = await app.get(ReminderCycle).run();
        process.stdout.write(`${JSON.stringify(report)}\n`);
      });
    });
}
