import { createLogger, type Logger } from '../../src/common';

/** One JSON log line as pino writes it. */
export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/** A real logger (redaction and all) whose lines land in `lines`, parsed, for a test to read. */
export function capturingLogger(level: 'info' | 'warn' = 'info'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { logger: createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } }), lines };
}
