import { performance } from 'node:perf_hooks';
import { ThreadMemory, threadMemory } from '../apps/registry/src/common/threads';

/** The process at one sample: its resident set and each thread's heap and array buffers. */
export interface MemorySample {
  rss: number;
  /** performance.now() of the sample. */
  at: number;
  threads: Array<[string, ThreadMemory]>;
}

const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

/**
 * The process's peak resident set, sampled every 200 ms, with what each thread held at that
 * moment: the main thread's heap and buffers read there, the other threads' as they last sent
 * them (`watch`). What the threads do not account for is mostly SQLite's page caches, the
 * allocator's arenas, code and stacks. A peak is kept for the whole run (`peak`) and for the
 * window since `phase` was last called.
 */
export class PeakMemory {
  private overall: MemorySample;
  private window: MemorySample;
  private others: () => Record<string, ThreadMemory | undefined> = () => ({});
  private readonly timer = setInterval(() => this.sample(), 200);

  constructor() {
    this.timer.unref();
    this.overall = this.window = this.take();
  }

  /** Where the other threads' figures come from, for instance the projection thread's once the application is up. */
  watch(others: () => Record<string, ThreadMemory | undefined>): void {
    this.others = others;
  }

  sample(): void {
    const rss = process.memoryUsage().rss;
    // The window starts no higher than the whole run's peak, so a sample below it is below both.
    if (rss <= this.window.rss) return;
    this.window = this.take(rss);
    if (rss > this.overall.rss) this.overall = this.window;
  }

  /** The peak since the previous call (or since the start), and a new window from now. */
  phase(): MemorySample {
    this.sample();
    const peak = this.window;
    this.window = this.take();
    return peak;
  }

  get peak(): MemorySample {
    this.sample();
    return this.overall;
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** `1,280 MiB (main thread: heap 560, buffers 148; projections: heap 167, buffers 3; the rest 402: SQLite page caches, the allocator's arenas, code, stacks)` */
  static describe(sample: MemorySample): string {
    const parts = sample.threads.map(([name, m]) => `${name}: heap ${mib(m.heapTotal)}, buffers ${mib(m.arrayBuffers)}`);
    const held = sample.threads.reduce((sum, [, m]) => sum + m.heapTotal + m.arrayBuffers, 0);
    return `${mib(sample.rss)} MiB (${parts.join('; ')}; the rest ${mib(sample.rss - held)}: SQLite page caches, the allocator's arenas, code, stacks)`;
  }

  private take(rss = process.memoryUsage().rss): MemorySample {
    const threads: Array<[string, ThreadMemory]> = [['main thread', threadMemory()]];
    for (const [name, memory] of Object.entries(this.others())) if (memory) threads.push([name, memory]);
    return { rss, at: performance.now(), threads };
  }
}
