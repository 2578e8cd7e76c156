import pino, { type Logger } from 'pino';

// Cloud Logging reads `severity`; pino's numeric level is mapped to its names.
const SEVERITY: Record<string, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/**
 * The relay's JSON logger. Never pass event content, signatures or secrets to it; shorten pubkeys
 * with shortKey(). `destination` lets tests capture lines.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'mls-relay' },
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ severity: SEVERITY[label] ?? 'DEFAULT', level: label }),
      },
      redact: { paths: ['sig', 'content', '*.sig', '*.content', 'secret', 'token', 'authorization'], censor: '[redacted]' },
    },
    destination,
  );
}
