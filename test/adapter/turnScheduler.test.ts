import { TurnScheduler } from '../../src/adapter/turnScheduler';

/** A job that starts when run and finishes when `finish()` is called. */
function gate(log: string[], name: string): { job: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    job: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    finish: () => finish(),
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('TurnScheduler', () => {
  it('runs one key in order and every key at once, with no global cap', async () => {
    const turns = new TurnScheduler();
    const log: string[] = [];
    const jobs = Array.from({ length: 100 }, (_, i) => gate(log, `k${i}`));
    const second = gate(log, 'k0 second');
    jobs.forEach((g, i) => void turns.run(`k${i}`, g.job));
    const secondDone = turns.run('k0', second.job);
    await tick();
    // All 100 keys started though none finished; k0's second job waits for its first.
    expect(log.filter((l) => l.startsWith('start'))).toHaveLength(100);
    expect(log).not.toContain('start k0 second');
    jobs[0]!.finish();
    await tick();
    expect(log).toContain('start k0 second');
    second.finish();
    await expect(secondDone).resolves.toBe('k0 second');
    jobs.forEach((g) => g.finish());
    await turns.idle();
    expect(log.filter((l) => l.startsWith('end'))).toHaveLength(101);
  });

  it('keeps an explicit cap when one is given', async () => {
    const turns = new TurnScheduler(2);
    const log: string[] = [];
    const jobs = Array.from({ length: 4 }, (_, i) => gate(log, `k${i}`));
    jobs.forEach((g, i) => void turns.run(`k${i}`, g.job));
    await tick();
    expect(log).toEqual(['start k0', 'start k1']);
    jobs[1]!.finish();
    await tick();
    expect(log).toContain('start k2');
    jobs.forEach((g) => g.finish());
    await turns.idle();
  });

  it('coalesces a waiting coalescing job, but never one that has started or has work queued after it', async () => {
    const turns = new TurnScheduler();
    const log: string[] = [];
    let drains = 0;
    const drain = async (): Promise<void> => {
      drains++;
      log.push(`drain ${drains}`);
    };
    const first = gate(log, 'running');
    void turns.run('c', first.job);
    const a = turns.run('c', drain, { coalesce: true });
    const b = turns.run('c', drain, { coalesce: true });
    expect(b).toBe(a); // queued and not started: one run serves both
    const other = gate(log, 'handoff');
    void turns.run('c', other.job); // not coalescing: what comes after it needs its own drain
    const c = turns.run('c', drain, { coalesce: true });
    expect(c).not.toBe(a);
    first.finish();
    await a;
    const d = turns.run('c', drain, { coalesce: true });
    expect(d).toBe(c); // c still waits behind the handoff job
    other.finish();
    await c;
    // c has run: a new call queues a new drain.
    const e = turns.run('c', drain, { coalesce: true });
    expect(e).not.toBe(c);
    await turns.idle();
    expect(log).toEqual(['start running', 'end running', 'drain 1', 'start handoff', 'end handoff', 'drain 2', 'drain 3']);
  });

  it('coalesces nothing into a job that is already running', async () => {
    const turns = new TurnScheduler();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let runs = 0;
    const drain = async (): Promise<void> => {
      runs++;
      await held;
    };
    const a = turns.run('c', drain, { coalesce: true });
    await tick(); // a has started
    const b = turns.run('c', drain, { coalesce: true });
    expect(b).not.toBe(a);
    release();
    await turns.idle();
    expect(runs).toBe(2);
  });
});
