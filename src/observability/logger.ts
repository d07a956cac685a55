// One structured logger for the process: JSON lines when stderr is not a terminal (for log shippers), a
// readable single line per event on a terminal. Logs go to stderr so stdout stays for command output.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty' | 'auto';

export function createLogger(options: { level?: string; format?: LogFormat } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const format = options.format ?? 'auto';
  const usePretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY);
  if (usePretty) {
    return pino(
      { level, base: undefined },
      pretty({ destination: 2, sync: true, colorize: true, translateTime: 'HH:MM:ss.l', singleLine: true }),
    );
  }
  return pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
