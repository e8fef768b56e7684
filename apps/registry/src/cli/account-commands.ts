import { Command } from 'commander';
import { randomInt } from 'node:crypto';
import { userInfo } from 'node:os';
import { displayRegionCode } from '@registry/domain';
import { AccountsService } from '../auth/accounts/accounts.service';
import { passwordProblem } from '../auth/accounts/staff-account';
import { Principal } from '../auth/principal';
import { ROLES, Role, isRole } from '../auth/roles';
import type { CommandContext } from '../common/event-sourcing/command-context';
import { ProblemException } from '../common/problem';
import { ReferenceData } from '../reference/reference-data.module';
import { cliRegion, withAppContext } from './app-context';

/** Whoever runs the CLI on the server acts as the province's administrator, named by their login. */
function cliActor(reference: ReferenceData): CommandContext {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the channel still says it was the CLI.
  }
  return { operator: `cli:${user}`, role: 'province-admin', region: displayRegionCode(reference.provinceCode), channel: 'cli' };
}

/** Letters and digits without look-alikes (0/O, 1/l/I), plus a few symbols: 16 characters, about 90 bits. */
function generatedPassword(): string {
  const sets = ['abcdefghjkmnpqrstuvwxyz', 'ABCDEFGHJKLMNPQRSTUVWXYZ', '23456789', '-_.!@#%+='];
  const all = sets.join('');
  for (;;) {
    const password = Array.from({ length: 16 }, () => all[randomInt(all.length)]).join('');
    if (!passwordProblem(password) && sets.every((set) => [...password].some((c) => set.includes(c)))) return password;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** A refusal from the service as one line (the code and why), not a stack trace. */
async function reporting(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ProblemException) {
      process.stderr.write(`${error.code}: ${error.detail}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}

/** account create | password | disable | enable: local sign-in accounts for the console. */
export function registerAccountCommands(program: Command): void {
  const account = program.command('account').description('Local accounts that sign in to the console (/console) on the embedded default');

  account
    .command('create')
    .description('Create an account; prints a generated initial password unless --password-stdin gives one')
    .requiredOption('--username <name>', 'staff id: 2-64 lower-case letters, digits, . _ -')
    .requiredOption('--role <role>', `one or more (comma-separated) of: ${ROLES.join(', ')}`)
    .requiredOption('--region <code>', 'division code the person works in, e.g. 440000, 440300, 440305, 440305001')
    .option('--password-stdin', 'read the password from standard input (at least 10 characters of three kinds)')
    .action(async (options: { username: string; role: string; region: string; passwordStdin?: boolean }) => {
      const roles = options.role.split(',').map((r) => r.trim());
      const unknown = roles.filter((r) => !isRole(r));
      if (unknown.length > 0) throw new Error(`unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
      if (roles.includes('channel-client'))
        throw new Error('channel-client is a credential for a channel (cli token --channel), not for a person');
      const password = options.passwordStdin ? await readStdin() : generatedPassword();
      await withAppContext(async (app) => {
        const region = cliRegion(app.get(ReferenceData), options.region);
        const username = options.username.trim().toLowerCase();
        await reporting(async () => {
          await app
            .get(AccountsService)
            .create(cliActor(app.get(ReferenceData)), username, roles as Role[], displayRegionCode(region), password);
          const principal = new Principal(username, roles as Role[], region);
          process.stderr.write(
            `account ${username}: ${roles.join(',')} in ${principal.region} (${[...principal.permissions].join(' ')})\n`,
          );
          if (!options.passwordStdin) process.stdout.write(`initial password: ${password}\n`);
        });
      });
    });

  account
    .command('password')
    .description('Set a new password (read from standard input, or generated and printed); also lifts a lock')
    .requiredOption('--username <name>', 'the account')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (options: { username: string; passwordStdin?: boolean }) => {
      const password = options.passwordStdin ? await readStdin() : generatedPassword();
      await withAppContext(async (app) => {
        await reporting(async () => {
          await app.get(AccountsService).changePassword(cliActor(app.get(ReferenceData)), options.username.trim().toLowerCase(), password);
          if (!options.passwordStdin) process.stdout.write(`new password: ${password}\n`);
          else process.stderr.write('password changed\n');
        });
      });
    });

  for (const [name, enabled] of [
    ['disable', false],
    ['enable', true],
  ] as const) {
    account
      .command(name)
      .description(enabled ? 'Enable an account again (and lift a lock)' : 'Disable an account: it can no longer sign in')
      .requiredOption('--username <name>', 'the account')
      .action(async (options: { username: string }) => {
        await withAppContext(async (app) => {
          await reporting(async () => {
            await app.get(AccountsService).setEnabled(cliActor(app.get(ReferenceData)), options.username.trim().toLowerCase(), enabled);
            process.stderr.write(`account ${options.username} ${enabled ? 'enabled' : 'disabled'}\n`);
          });
        });
      });
  }
}
