/** Where the sandbox's log lines go while a person chats in the same terminal. */
export interface LogLineTarget {
  write(line: string): unknown;
}

/**
 * A pino destination that can be re-pointed: a process holds its log lines (or writes them to
 * stdout) until it knows where its log file may go (for the sandbox, only once the data-dir lock is
 * held), then writes them to the file, so log lines never land in the middle of the chat prompt. Lines at `noticeLevel` or above are also
 * summarised to `notice` (e.g. above the chat prompt), so a warning is not hidden in the file.
 *
 * @example
 * const sink = new LogSink(); // held until redirected
 * const logger = createLogger({ destination: sink });
 * sink.redirect(pino.destination({ dest: 'data/sandbox/sandbox.log', sync: true }), (s) => chat.notice(s));
 */
export class LogSink {
  private held: string[] | undefined;

  /** With no `target`, lines are held until {@link LogSink.redirect} says where they go. */
  constructor(
    private target?: LogLineTarget,
    private notice?: (summary: string) => void,
    private readonly noticeLevel = 40,
  ) {
    if (!target) this.held = [];
  }

  write(line: string): void {
    if (!this.target) {
      this.held?.push(line);
      return;
    }
    this.target.write(line);
    if (this.notice) {
      const summary = summarise(line, this.noticeLevel);
      if (summary) this.notice(summary);
    }
  }

  /** From now on, lines go to `target`; those at the notice level or above are also summarised to `notice`. */
  redirect(target: LogLineTarget, notice?: (summary: string) => void): void {
    this.target = target;
    this.notice = notice;
    for (const line of this.held ?? []) target.write(line);
    this.held = undefined;
  }
}

const levelNames: Readonly<Record<number, string>> = { 40: 'warning', 50: 'error', 60: 'fatal' };

function summarise(line: string, minLevel: number): string | undefined {
  try {
    const { level, msg } = JSON.parse(line) as { level?: unknown; msg?: unknown };
    if (typeof level !== 'number' || level < minLevel) return undefined;
    return `(${levelNames[level] ?? `level ${level}`}: ${typeof msg === 'string' ? msg : 'see the log'})`;
  } catch {
    return undefined;
  }
}
