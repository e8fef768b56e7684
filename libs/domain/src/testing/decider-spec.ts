/**
 * Given/when/then for deciders (after Emmett's DeciderSpecification). Test-only: it
 * uses Jest's global `expect`, so it lives outside the package index and is imported
 * as `@registry/domain/testing/decider-spec`.
 */
import { Decider } from '../shared/decider';
import { DomainError } from '../shared/domain-error';

type ErrorClass = abstract new (...args: never[]) => Error;
export type ThrowsExpectation = ErrorClass | string | ((error: unknown) => boolean);

export interface WhenStep<C, E> {
  then(expected: readonly E[]): void;
  /** An error class, a DomainError code, or a predicate. */
  thenThrows(expected: ThrowsExpectation): void;
  /** For assertions the other two cannot state (e.g. on a subset of event fields). */
  thenEvents(assert: (events: E[]) => void): void;
  readonly command: C;
}

export interface GivenStep<C, E> {
  when(command: C): WhenStep<C, E>;
}

export const DeciderSpecification = {
  for<C, S, E>(decider: Decider<C, S, E>): { given(events: readonly E[]): GivenStep<C, E> } {
    return {
      given(events: readonly E[]): GivenStep<C, E> {
        return {
          when(command: C): WhenStep<C, E> {
            const run = (): E[] => decider.decide(command, events.reduce(decider.evolve, decider.initialState()));
            return {
              command,
              then(expected) {
                expect(run()).toEqual(expected);
              },
              thenEvents(assert) {
                assert(run());
              },
              thenThrows(expected) {
                let thrown: unknown;
                try {
                  run();
                } catch (error) {
                  thrown = error;
                }
                expect(thrown).toBeDefined();
                if (typeof expected === 'string') {
                  expect(thrown).toBeInstanceOf(DomainError);
                  expect((thrown as DomainError).code).toBe(expected);
                } else if (isErrorClass(expected)) {
                  expect(thrown).toBeInstanceOf(expected);
                } else {
                  expect(expected(thrown)).toBe(true);
                }
              },
            };
          },
        };
      },
    };
  },
};

function isErrorClass(value: ThrowsExpectation): value is ErrorClass {
  return typeof value === 'function' && (value === Error || value.prototype instanceof Error);
}
