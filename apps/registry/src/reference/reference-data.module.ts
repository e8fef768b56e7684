import { Global, HttpStatus, Injectable, Logger, Module } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_PRECEDENCE,
  IDENTITY_FIELDS,
  PersonDecider,
  PrecedenceConfig,
  RegionCode,
  RegionTable,
  createPersonDecider,
  isSourceKind,
  loadRegionTable,
} from '@registry/domain';
import { ProblemException } from '../common/problem';
import { AppConfig } from '../config/app-config';

/**
 * Reference data and configured domain behaviour, loaded once: the division tables
 * (province to township; villages are checked by their township), the source precedence
 * a province configured, and the person decider bound to it.
 */
@Injectable()
export class ReferenceData {
  readonly regions: RegionTable;
  readonly precedence: PrecedenceConfig;
  readonly personDecider: PersonDecider;
  readonly provinceCode: string;

  constructor(config: AppConfig) {
    const started = Date.now();
    this.regions = loadRegionTable();
    this.precedence = config.PRECEDENCE_FILE ? loadPrecedence(config.PRECEDENCE_FILE) : DEFAULT_PRECEDENCE;
    this.personDecider = createPersonDecider({ precedence: this.precedence });
    this.provinceCode = config.PROVINCE_CODE;
    new Logger('ReferenceData').log(`Division tables loaded (${this.regions.size} regions) in ${Date.now() - started} ms`);
  }

  /**
   * A region code as a request gives it (a filter, a report's region, a token's claim):
   * any spelling GB/T 2260 users write, 440000 for a province and 440100 for a city
   * included, becomes the canonical code regions are compared by (44, 4401). A well-formed
   * code the division tables do not know, current or historical, is a 400 naming `field`,
   * never a silent empty answer.
   */
  regionParam(raw: string, field: string): string {
    const parsed = RegionCode.parse(raw, this.regions);
    if (parsed.ok) return parsed.value.code;
    const reason = parsed.reasons[0];
    const detail =
      reason.code === 'REGION_UNKNOWN'
        ? `${field} names no region in the division tables.`
        : `${field} must be a 2, 4, 6, 9 or 12 digit division code.`;
    throw new ProblemException(HttpStatus.BAD_REQUEST, reason.code, detail, {
      errors: parsed.reasons.map((r) => ({ field, code: r.code, message: r.message })),
    });
  }
}

export function loadPrecedence(path: string): PrecedenceConfig {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const result: Record<string, readonly string[]> = { ...DEFAULT_PRECEDENCE };
  for (const [field, sources] of Object.entries(raw)) {
    if (!(IDENTITY_FIELDS as readonly string[]).includes(field)) {
      throw new Error(`PRECEDENCE_FILE ${path}: unknown field "${field}"; fields are ${IDENTITY_FIELDS.join(', ')}`);
    }
    if (!Array.isArray(sources) || !sources.every((s) => isSourceKind(s))) {
      throw new Error(`PRECEDENCE_FILE ${path}: "${field}" must be a list of source kinds`);
    }
    result[field] = sources as string[];
  }
  return result as unknown as PrecedenceConfig;
}

@Global()
@Module({ providers: [ReferenceData], exports: [ReferenceData] })
export class ReferenceDataModule {}
