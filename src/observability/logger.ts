// One structured logger for the process: JSON lines when stderr is not a terminal (for log shippers), a
// readable single line per event on a terminal. Logs go to stderr so stdout stays for command output.
import { pino, type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger } from 'pino';

export type LogFormat = 'json' | 'pretty' | 'auto';

export interface LoggerOptions {
  readonly level?: string;
  readonly format?: LogFormat;
  /** Runs before each line is written: a progress bar on the same terminal erases its line there. */
  readonly beforeLine?: () => void;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const format = options.format ?? 'auto';
  const usePretty = format === 'pretty' || (format === 'auto' && process.stderr.isTTY);
  const { beforeLine } = options;
  const hooks =
    beforeLine === undefined
      ? {}
      : {
          hooks: {
            logMethod(this: Logger, args: Parameters<Logger['info']>, method: Logger['info']): void {
              beforeLine();
              method.apply(this, args);
            },
          },
        };
  if (usePretty) {
    return pino(
      { level, base: undefined, ...hooks },
      pretty({ destination: 2, sync: true, colorize: true, translateTime: 'HH:MM:ss.l', singleLine: true }),
    );
  }
  return pino(
    {
      level,
      base: undefined,
      ...hooks,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
