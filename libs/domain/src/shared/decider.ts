/** The shape every aggregate exposes (Emmett-style): pure, synchronous, no I/O. */
export interface Decider<Command, State, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** Events as the domain produces them: id, revision and metadata are the application's. */
export interface DomainEvent<Type extends string = string, Data = unknown> {
  readonly type: Type;
  readonly data: Data;
}

/** Commands have the same shape, so handlers and specs can treat both uniformly. */
export type DomainCommand<Type extends string = string, Data = unknown> = DomainEvent<Type, Data>;
