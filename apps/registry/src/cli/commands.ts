import { Command } from 'commander';
import { SelfServiceChannels, displayRegionCode, isSelfServiceChannel } from '@registry/domain';
import { EVENT_STORE, EventStore } from '@registry/event-store';
import { Principal } from '../auth/principal';
import { ROLES, Role, isRole } from '../auth/roles';
import { TokenService } from '../auth/token.service';
import { loadConfig } from '../config/app-config';
import { KeyRing } from '../config/key-ring';
import { ReferenceData } from '../reference/reference-data.module';
import { registerAccountCommands } from './account-commands';
import { cliRegion, withAppContext } from './app-context';
import { registerAuditCommands } from './audit-commands';
import { registerComparisonCommands } from './comparison-commands';
import { registerImportCommands } from './import-commands';
import { registerMinistryCommands } from '../ministry/ministry-commands';
import { registerReminderCommands } from '../reminders/reminder-commands';

interface TokenOptions {
  role: string;
  region: string;
  subject: string;
  source?: string;
  insuranceTypes?: string;
  channel?: string;
  hours: string;
}

/** Every CLI command, grouped by capability. */
export function registerCommands(program: Command): void {
  registerImportCommands(program);
  registerMinistryCommands(program);
  registerComparisonCommands(program);
  registerAuditCommands(program);
  registerReminderCommands(program);
  registerAccountCommands(program);
  program
    .command('store-info')
    .description('Print which stores are in use and the head of the event log')
    .action(async () => {
      await withAppContext(async (app) => {
        const events = app.get<EventStore>(EVENT_STORE);
        const head = await events.headPosition();
        process.stdout.write(`event store: ${events.engine}\nhead position: ${head}\n`);
      });
    });

  program
    .command('rotate-key')
    .description('Add a new data-encryption key and make it active (old keys keep opening what they sealed)')
    .option('--algorithm <name>', 'aes-256-gcm or sm4-ctr-hmac-sm3', 'aes-256-gcm')
    .action((options: { algorithm: string }) => {
      if (options.algorithm !== 'aes-256-gcm' && options.algorithm !== 'sm4-ctr-hmac-sm3') {
        throw new Error('--algorithm must be aes-256-gcm or sm4-ctr-hmac-sm3');
      }
      const config = loadConfig();
      const path = config.KEYS_FILE ?? KeyRing.defaultPath(config.DATA_DIR);
      const { keyId, previous } = KeyRing.rotate(path, options.algorithm);
      process.stdout.write(
        `key ${keyId} (${options.algorithm}) is now active in ${path}; ${previous} and older keys still decrypt. Restart the service to use it.\n`,
      );
    });

  program
    .command('token')
    .description('Print a bearer token for a role and region, signed with the configured key')
    .requiredOption('--role <role>', `one of: ${ROLES.join(', ')}`)
    .requiredOption('--region <code>', 'division code the caller works in, e.g. 440000, 440300, 440305')
    .option('--subject <name>', 'who the token is for', 'cli-user')
    .option('--source <kind>', 'for service clients: the source system they speak for')
    .option('--insurance-types <codes>', 'for service clients: comma-separated insurance types their system owns')
    .option('--channel <name>', `for channel clients: ${SelfServiceChannels.codes.join(', ')}`)
    .option('--hours <n>', 'validity in hours', '8')
    .action(async (options: TokenOptions) => {
      const roles = options.role.split(',').map((r) => r.trim());
      const unknown = roles.filter((r) => !isRole(r));
      if (unknown.length > 0) throw new Error(`unknown role ${unknown.join(', ')}; roles are ${ROLES.join(', ')}`);
      // The service refuses a channel credential without a known channel, or mixed with staff roles.
      if (roles.includes('channel-client') && (roles.length !== 1 || !isSelfServiceChannel(options.channel))) {
        throw new Error(`a channel-client token is that role alone with --channel ${SelfServiceChannels.codes.join('|')}`);
      }
      if (options.channel !== undefined && !roles.includes('channel-client')) throw new Error('--channel is for --role channel-client');
      const hours = Number(options.hours);
      if (!Number.isFinite(hours) || hours <= 0) throw new Error('--hours must be a positive number');
      await withAppContext(async (app) => {
        const region = cliRegion(app.get(ReferenceData), options.region);
        const token = app.get(TokenService).sign(
          {
            sub: options.subject,
            roles: roles as Role[],
            region: displayRegionCode(region),
            source: options.source,
            insuranceTypes: options.insuranceTypes?.split(',').map((t) => t.trim()),
            channel: options.channel,
          },
          Math.round(hours * 3600),
        );
        const principal = new Principal(options.subject, roles as Role[], region);
        process.stderr.write(
          `token for ${roles.join(',')} in ${principal.region} (${[...principal.permissions].join(' ')}), valid ${hours} h\n`,
        );
        process.stdout.write(`${token}\n`);
      });
    });
}
