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
  add(person: LinkPerson): void;
  /** Whether a person with this id was added. */
  has(personId: string): boolean;
  link(record: LinkInput): LinkResult;
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

  create(): LinkIndex {
    const linker = new Linker(this.loadConfig());
    const regions = new Map<string, string | undefined>();
    this.logger.log('Linkage index created');
    return {
      add: (person) => {
        regions.set(person.personId, person.region);
        linker.add(person);
      },
      has: (personId) => regions.has(personId),
      link: (record) => {
        const decision = linker.link(record);
        const fields = Object.fromEntries(Object.entries(decision.fields).map(([k, v]) => [k, { level: v.level, weight: v.weight }]));
        let candidates: LinkResult['candidates'] = [];
        if (decision.outcome === 'possible') {
          candidates = linker
            .compareCandidates(record)
            .sort((a, b) => b.score - a.score)
            .slice(0, 3)
            .map((c) => ({
              personId: c.personId,
              score: Math.round(c.score * 1000) / 1000,
              fields:
                c.personId === decision.personId
                  ? fields
                  : Object.fromEntries(Object.entries(c.levels).map(([k, level]) => [k, { level }])),
              region: regions.get(c.personId),
            }));
        }
        return { outcome: decision.outcome, personId: decision.personId, score: decision.score, fields, candidates };
      },
    };
  }
}
