// Pure: the Dockerfile's HEALTHCHECK (exec form and its --interval, --timeout, --start-period, --retries), read
// from the file the image is built from. ECS ignores an image's HEALTHCHECK, so the task definition must repeat
// it; reading it keeps one definition of how /healthz is asked (its port is the image's DDB_REPLICATOR_METRICS_PORT).
export interface DockerHealthCheck {
  /** The exec form, as written: ["CMD", "node", "-e", "..."]. */
  readonly command: readonly string[];
  readonly intervalSeconds: number;
  readonly timeoutSeconds: number;
  readonly startPeriodSeconds: number;
  readonly retries: number;
}

export function dockerfileHealthCheck(dockerfile: string): DockerHealthCheck {
  // Continuation lines joined, comments dropped: one instruction a line.
  const instructions = dockerfile
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n');
  const line = instructions.find((l) => /^\s*HEALTHCHECK\s/i.test(l));
  if (line === undefined) throw new Error('the Dockerfile has no HEALTHCHECK');
  const match = /^\s*HEALTHCHECK\s+(.*?)\s*CMD\s+(\[.*\])\s*$/i.exec(line);
  if (match === null)
    throw new Error(`the Dockerfile's HEALTHCHECK is not in exec form (CMD [...]): ${line.trim()}`);
  const [, options = '', exec = '[]'] = match;
  const parsed: unknown = JSON.parse(exec);
  if (!Array.isArray(parsed) || !parsed.every((part): part is string => typeof part === 'string')) {
    throw new Error(`the Dockerfile's HEALTHCHECK CMD is not a list of strings: ${exec}`);
  }
  const option = (name: string, fallback: number, unit: 's' | '' = 's'): number => {
    const given = new RegExp(`--${name}=(\\S+)`).exec(options)?.[1];
    if (given === undefined) return fallback;
    const value = new RegExp(`^(\\d+)${unit}$`).exec(given)?.[1];
    if (value === undefined)
      throw new Error(
        `HEALTHCHECK --${name}=${given}: write it as a whole number${unit === 's' ? ' of seconds (10s)' : ''}`,
      );
    return Number(value);
  };
  // Docker's own defaults where the file does not say.
  return {
    command: ['CMD', ...parsed],
    intervalSeconds: option('interval', 30),
    timeoutSeconds: option('timeout', 30),
    startPeriodSeconds: option('start-period', 0),
    retries: option('retries', 3, ''),
  };
}
