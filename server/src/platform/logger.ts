import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs. Credentials must never appear: request logs carry the path
 * without its query string (beacons may put a publishable key there), and the
 * redaction list below is a second line of defence for anything that slips into
 * a logged object.
 */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'huashu' },
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'headers.authorization',
        '*.headers.authorization',
        'key',
        '*.key',
        'secretKey',
        'publishableKey',
        'token',
        '*.token',
        'apiKey',
        '*.apiKey',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
