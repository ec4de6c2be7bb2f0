import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Paths that may hold a secret. pino replaces them before a line is written, so a secret or an
 * access token never reaches a log, whatever object a caller passes.
 */
export const redactedPaths = [
  'access_token', '*.access_token', 'accessToken', '*.accessToken',
  'secret', '*.secret', 'corpsecret', '*.corpsecret', 'kfSecret', '*.kfSecret',
  'suiteSecret', '*.suiteSecret', 'token', '*.token', 'encodingAesKey', '*.encodingAesKey',
  'adminToken', '*.adminToken', 'permanent_code', '*.permanent_code', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization', 'mongodbUri', '*.mongodbUri',
];

/** A pino logger with our redaction. `LOG_LEVEL` picks the level (default `info`; `silent` in tests). */
export function createLogger(options: { level?: string; name?: string; destination?: pino.DestinationStream } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? (process.env.JEST_WORKER_ID ? 'silent' : 'info');
  const pinoOptions = { name: options.name ?? 'wecom-kf', level, redact: { paths: redactedPaths, censor: '[redacted]' } };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** A logger that writes nothing, for libraries used without one. */
export const silentLogger: Logger = pino({ level: 'silent' });
