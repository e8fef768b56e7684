import { randomUUID } from 'node:crypto';
import type { SelfServiceChannel } from '@registry/domain';
import type { EventMetadata } from '@registry/event-store';

/** Who issues a command and through which channel: becomes every event's metadata. */
export interface CommandContext {
  operator: string;
  role: string;
  region: string;
  /**
   * How the command came in; a self-service channel (hall, website, terminal, mobile) for citizens' own submissions;
   * `survey`: person facts an approved household-survey result recorded.
   */
  channel: 'http' | 'import' | 'cli' | 'comparison' | 'system' | 'survey' | SelfServiceChannel;
  sourceSystem?: string;
  correlationId?: string;
  causationId?: string;
}

export function eventMetadata(context: CommandContext, occurredAt: string): EventMetadata {
  return {
    operator: context.operator,
    role: context.role,
    region: context.region,
    channel: context.channel,
    sourceSystem: context.sourceSystem,
    correlationId: context.correlationId ?? randomUUID(),
    causationId: context.causationId,
    occurredAt,
  };
}
