import { Injectable, Logger } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ReminderRulesConfig, ReminderRulesError, parseReminderRules, windowFor } from '@registry/domain';
import { findRepoRoot } from '@registry/ingest';
import { AppConfig, ConfigValidationError } from '../config/app-config';

/** Shipped rules: data a province edits without a release, so it lives outside src/. */
export function defaultReminderRulesPath(): string {
  return join(findRepoRoot(), 'apps', 'registry', 'config', 'reminder-rules.json');
}

/** Reads and validates a rules file for a province; throws ReminderRulesError naming the key. */
export function loadReminderRules(path: string, provinceCode: string): ReminderRulesConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ReminderRulesError(path, '(file)', `is unreadable: ${(error as Error).message}`);
  }
  const config = parseReminderRules(doc, path);
  config.rules.forEach((rule, i) => {
    if (rule.kind === 'contribution-window' && !windowFor(rule, provinceCode)) {
      throw new ReminderRulesError(path, `rules[${i}].windows`, `names no window for province ${provinceCode} and no default`);
    }
  });
  return config;
}

/**
 * The reminder rules, read once at start (REMINDER_RULES_FILE, else the shipped file). A bad
 * file stops the service like a bad environment variable, with a message naming the key.
 */
@Injectable()
export class ReminderRules {
  readonly config: ReminderRulesConfig;
  readonly path: string;

  constructor(config: AppConfig) {
    this.path = config.REMINDER_RULES_FILE ?? defaultReminderRulesPath();
    try {
      this.config = loadReminderRules(this.path, config.PROVINCE_CODE);
    } catch (error) {
      if (error instanceof ReminderRulesError) throw new ConfigValidationError([`REMINDER_RULES_FILE ${error.message}`]);
      throw error;
    }
    new Logger('Reminders').log(
      `${this.config.rules.length} reminder rules from ${this.path}: ${this.config.rules.map((r) => `${r.id} (${r.kind})`).join(', ')}`,
    );
  }
}
