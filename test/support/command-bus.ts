import type { INestApplicationContext } from '@nestjs/common';
import { CommandBus, ICommand } from '@nestjs/cqrs';

/**
 * Holds the command bus at one step of a multi-step operation (an approval spanning two
 * streams): the first command `at` accepts is held before it runs (or, with `after`, after it
 * ran); the test acts while it is held, then `release` lets it go on and restores the bus.
 */
export function holdCommandBus(app: INestApplicationContext, at: (command: ICommand) => boolean, step: 'before' | 'after' = 'before') {
  const bus = app.get(CommandBus);
  const original = bus.execute.bind(bus);
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((resolve) => (reach = resolve));
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = false;
  const spy = jest.spyOn(bus, 'execute').mockImplementation(async (command: ICommand) => {
    if (held || !at(command)) return original(command);
    held = true;
    if (step === 'before') {
      reach();
      await released;
      return original(command);
    }
    const result = await original(command);
    reach();
    await released;
    return result;
  });
  return { reached, release: () => (release(), spy.mockRestore()) };
}

/**
 * Runs `action` with the command bus failing right after the commands `at` accepts have run
 * (they are recorded; their caller sees an error), as a crash between two steps would leave it.
 */
export async function interruptAfter<T>(
  app: INestApplicationContext,
  at: (command: ICommand) => boolean,
  action: () => Promise<T>,
): Promise<T> {
  const bus = app.get(CommandBus);
  const original = bus.execute.bind(bus);
  const spy = jest.spyOn(bus, 'execute').mockImplementation(async (command: ICommand) => {
    const result = await original(command);
    if (at(command)) throw new Error('simulated interruption after the commands ran');
    return result;
  });
  try {
    return await action();
  } finally {
    spy.mockRestore();
  }
}
