import { SourceKind } from '../codes/source-kind';
import { sourced } from './sourced';
import { IdentityConflictDetected, PersonDetailsChanged, PersonalChanges, SourceRef, StatisticalChanges } from './person-events';
import { FieldChange, IdentityField, IdentityValues, PrecedenceConfig, isPersonalField } from './person-fields';
import { HeldValue, PersonRecord } from './person-state';

/**
 * What a later report does to each field it carries:
 * - unknown field, or a reporter that outranks the holder → change;
 * - the same source again, not older than its held value → change (it updated its own
 *   record, e.g. a registered name change);
 * - anything else that differs (lower or equal rank, an older record of the same
 *   source, or a value an operator corrected) → conflict, recorded, never overwritten.
 */
export type FieldOutcome = 'same' | 'change' | 'conflict';

export function outcomeFor(
  field: IdentityField,
  held: HeldValue | undefined,
  reported: string,
  ref: SourceRef,
  precedence: PrecedenceConfig,
): FieldOutcome {
  if (held === undefined) return 'change';
  if (held.value === reported) return 'same';
  if (held.corrected) return 'conflict';
  if (held.source === ref.source) return ref.occurredAt >= held.setAt ? 'change' : 'conflict';
  return rank(precedence, field, ref.source) < rank(precedence, field, held.source) ? 'change' : 'conflict';
}

/**
 * Whether a conflicting report leaves the held value standing by rule: an operator's
 * correction, a source ranked above the reporter, or the same source's newer record. Only
 * two different sources of equal rank (both unlisted, say) leave the field in doubt.
 */
export function heldValueStands(field: IdentityField, held: HeldValue, ref: SourceRef, precedence: PrecedenceConfig): boolean {
  if (held.corrected || held.source === ref.source) return true;
  return rank(precedence, field, held.source) < rank(precedence, field, ref.source);
}

/** Position in the field's list; unlisted sources share the lowest rank. */
export function rank(precedence: PrecedenceConfig, field: IdentityField, source: SourceKind): number {
  const index = precedence[field].indexOf(source);
  return index === -1 ? Number.MAX_SAFE_INTEGER : index;
}

export function conflictIdFor(field: IdentityField, ref: SourceRef): string {
  return `${field}:${ref.source}:${ref.sourceRecordId}`;
}

/** Splits per-field changes so personal values land only under `personal`. */
export function splitChanges(changes: Partial<Record<IdentityField, FieldChange>>): {
  changes: StatisticalChanges;
  personal: PersonalChanges;
} {
  const statistical: { -readonly [K in keyof StatisticalChanges]: FieldChange } = {};
  const personal: { -readonly [K in keyof PersonalChanges]: FieldChange } = {};
  for (const [field, change] of Object.entries(changes) as [IdentityField, FieldChange][]) {
    if (isPersonalField(field)) personal[field] = change;
    else statistical[field] = change;
  }
  return { changes: statistical, personal };
}

export function change(from: string | undefined, to: string): FieldChange {
  return from === undefined ? { to } : { from, to };
}

/** Events for a report about a known person, after its values were canonicalised. */
export function reconcile(
  person: PersonRecord,
  reported: IdentityValues,
  ref: SourceRef,
  precedence: PrecedenceConfig,
): (PersonDetailsChanged | IdentityConflictDetected)[] {
  const changes: Partial<Record<IdentityField, FieldChange>> = {};
  const previousSources: Partial<Record<IdentityField, SourceKind>> = {};
  const conflicts: IdentityConflictDetected[] = [];

  for (const [field, value] of Object.entries(reported) as [IdentityField, string | undefined][]) {
    if (value === undefined) continue;
    const held = person.fields[field];
    const outcome = outcomeFor(field, held, value, ref, precedence);
    if (outcome === 'change') {
      changes[field] = change(held?.value, value);
      if (held) previousSources[field] = held.source;
    } else if (outcome === 'conflict' && held) {
      conflicts.push({
        type: 'IdentityConflictDetected',
        data: sourced(ref, {
          conflictId: conflictIdFor(field, ref),
          field,
          currentSource: held.source,
          ...(heldValueStands(field, held, ref, precedence) ? { heldValueStands: true } : {}),
          personal: { current: held.value, reported: value },
        }),
      });
    }
  }

  const fields = Object.keys(changes) as IdentityField[];
  const changed: PersonDetailsChanged[] =
    fields.length === 0
      ? []
      : [{ type: 'PersonDetailsChanged', data: sourced(ref, { fields, previousSources, ...splitChanges(changes) }) }];
  return [...changed, ...conflicts];
}
