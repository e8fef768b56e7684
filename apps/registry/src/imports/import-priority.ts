import { Logger } from '@nestjs/common';
import { constants, getPriority, setPriority } from 'node:os';

/**
 * Lowers the calling thread's CPU priority for a bulk import (`cli import`, the import bench).
 *
 * An import is two pipelines on two threads: this one reads, cleans, decides and appends;
 * the projection thread replays every appended event into the read models and is the slower
 * of the two. With equal priorities the kernel splits the cores evenly, the read models fall
 * behind and finish alone on one core after the import. A higher nice value here lets the
 * projection thread take a core whenever it is ready and this thread use the rest, which is
 * what makes an import end to end faster, keeps the read models close behind it, and keeps
 * /health's projection lag check green during a load. On Linux `setpriority(PRIO_PROCESS, 0)`
 * applies to the calling thread only (threads started earlier, such as the projection
 * thread, keep theirs); where it applies to the process, it changes nothing between the two.
 *
 * Only ever raised: an unprivileged process cannot lower a nice value again. Returns the nice
 * value in effect, or undefined when the system refused (the import runs unchanged).
 */
export function deprioritiseImportThread(nice: number, logger: Pick<Logger, 'warn'> = new Logger('Imports')): number | undefined {
  if (nice <= 0) return undefined;
  try {
    const current = getPriority(0);
    if (current >= nice) return current;
    setPriority(0, Math.min(nice, constants.priority.PRIORITY_LOW));
    return getPriority(0);
  } catch (error) {
    logger.warn(`Could not lower the import thread's priority: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  }
}
