import { PersonCommand, PersonCommandType } from './person-commands';
import { PersonEvent } from './person-events';

/**
 * Whether deciding a command reads the person's personal values (citizen ID, name, phone,
 * household address) from the folded state. One entry per command type, so a new command
 * cannot be added without saying so.
 *
 * Most commands decide from the statistical facts alone (enrolments, household, death,
 * exemptions, conflicts' ids). For them a state folded from events whose personal part was
 * withheld (see withoutPersonalValues) decides exactly as the full state does; the store
 * then need not open a stream's personal data to decide them, which is most of an
 * enrolment import's cost of reading a person back. personal-values.spec.ts checks the
 * equivalence for every command declared false here, over histories that touch every field.
 */
const READS_PERSONAL_VALUES: Readonly<Record<PersonCommandType, boolean>> = {
  // Compares the reported citizen ID with the held one and reconciles every reported value.
  RegisterPerson: true,
  // Records each corrected field's previous value, and refuses a correction that changes nothing.
  CorrectRecord: true,
  RecordEnrollment: false,
  SuspendEnrollment: false,
  ResumeEnrollment: false,
  TerminateEnrollment: false,
  RecordDeath: false,
  RecordExemption: false,
  MoveHousehold: false,
  CancelHousehold: false,
  DetermineCoverage: false,
  LinkRecord: false,
};

export function readsPersonalValues(command: PersonCommand): boolean {
  return READS_PERSONAL_VALUES[command.type];
}

/** What stands for a withheld personal part: no values at all, so nothing personal is folded in. */
const WITHHELD = Object.freeze({});

/**
 * The event with its personal part withheld (left out, not read). A state folded from such
 * events holds no citizen ID and no personal field values, and serves only the commands
 * readsPersonalValues declares false.
 */
export function withoutPersonalValues(event: PersonEvent): PersonEvent {
  const data = event.data as { personal?: unknown };
  if (data.personal === undefined) return event;
  return { type: event.type, data: { ...event.data, personal: WITHHELD } } as PersonEvent;
}
