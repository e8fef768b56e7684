import { Decider } from '../shared/decider';
import { PersonCommand } from './person-commands';
import { PersonDeciderConfig, decidePerson } from './person-decide';
import { PersonEvent } from './person-events';
import { DEFAULT_PRECEDENCE } from './person-fields';
import { evolvePerson } from './person-evolve';
import { PersonState, initialPersonState } from './person-state';

export type PersonDecider = Decider<PersonCommand, PersonState, PersonEvent>;

/** Binds the injected configuration; evolve and initialState need none. */
export function createPersonDecider(config: PersonDeciderConfig = { precedence: DEFAULT_PRECEDENCE }): PersonDecider {
  return {
    decide: (command, state) => decidePerson(command, state, config),
    evolve: evolvePerson,
    initialState: initialPersonState,
  };
}

/** Folds a stream into state: what a command handler does before deciding. */
export function foldPerson(events: readonly PersonEvent[], state: PersonState = initialPersonState()): PersonState {
  return events.reduce(evolvePerson, state);
}
