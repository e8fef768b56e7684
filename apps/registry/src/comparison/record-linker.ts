import { Injectable, Logger } from '@nestjs/common';
import { LinkageConfig, LinkageInput, LinkagePerson, Linker, loadLinkageConfig } from '@registry/linkage';
import { AppConfig } from '../config/app-config';

export type LinkInput = LinkageInput;

export interface LinkResult {
  outcome: 'link' | 'possible' | 'none';
  personId?: string;
  score: number;
  fields: Record<string, { level: string; weight: number }>;
  candidates: Array<{ personId: string; score: number; fields: Record<string, { level: string; weight?: number }>; region?: string }>;
}

export type LinkPerson = LinkagePerson;

export interface LinkIndex {
  /** The configuration the index was built under (a run with another one builds afresh). */
  readonly configKey: string;
  /** Adds a person, or replaces them when added before; `secondary`: not held by the household register. */
  add(person: LinkPerson, options?: { secondary?: boolean }): void;
  remove(personId: string): void;
  /** Whether a person with this id is held. */
  has(personId: string): boolean;
  /** The citizen ID digits a held person was added with. */
  citizenIdOf(personId: string): string | undefined;
  /** `householdOnly`: only persons added without `secondary` are candidates. */
  link(record: LinkInput, options?: { householdOnly?: boolean }): LinkResult;
}

/**
 * Builds the Fellegi–Sunter linker (libs/linkage) from the province's linkage
 * configuration: LINKAGE_CONFIG when set, else the shipped libs/linkage/config/default.json.
 * The configuration is read at each run, so a province can retune weights and thresholds
 * between runs without a release.
 */
@Injectable()
export class RecordLinker {
  private readonly logger = new Logger('Linkage');

  constructor(private readonly config: AppConfig) {}

  loadConfig(): LinkageConfig {
    return this.config.LINKAGE_CONFIG ? loadLinkageConfig(this.config.LINKAGE_CONFIG) : loadLinkageConfig();
  }

  /** The configuration a run would use now, as LinkIndex.configKey says it. */
  configKey(): string {
    return JSON.stringify(this.loadConfig());
  }

  create(): LinkIndex {
    const config = this.loadConfig();
    const linker = new Linker(config);
    this.logger.log('Linkage index created');
    return {
      configKey: JSON.stringify(config),
      add: (person, options) => linker.add(person, { secondary: options?.secondary }),
      remove: (personId) => {
        linker.remove(personId);
      },
      has: (personId) => linker.has(personId),
      citizenIdOf: (personId) => linker.citizenIdOf(personId),
      link: (record, options) => {
        const only = { primaryOnly: options?.householdOnly };
        const decision = linker.link(record, only);
        const fields = Object.fromEntries(Object.entries(decision.fields).map(([k, v]) => [k, { level: v.level, weight: v.weight }]));
        let candidates: LinkResult['candidates'] = [];
        if (decision.outcome === 'possible') {
          candidates = linker
            .compareCandidates(record, only)
            .sort((a, b) => b.score - a.score || (a.personId < b.personId ? -1 : a.personId > b.personId ? 1 : 0))
            .slice(0, 3)
            .map((c) => ({
              personId: c.personId,
              score: Math.round(c.score * 1000) / 1000,
              fields:
                c.personId === decision.personId
                  ? fields
                  : Object.fromEntries(Object.entries(c.levels).map(([k, level]) => [k, { level }])),
              region: linker.regionOf(c.personId),
            }));
        }
        return { outcome: decision.outcome, personId: decision.personId, score: decision.score, fields, candidates };
      },
    };
  }
}
