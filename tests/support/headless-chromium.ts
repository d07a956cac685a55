// Debian's `chromium` in headless mode, for tests of the status page: the DOM after the page's scripts ran
// (--dump-dom) and a screenshot. Node 20 has no WebSocket client without a flag and the project has no `ws`, so
// each look is a fresh headless load with a virtual-time budget (enough for the page's first poll); the data
// the page shows lives in the server, so a fresh load sees what a page left open would.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The browser's path; a clear failure (not a skip) when it is missing: `.ci/run` installs it. */
export async function chromiumPath(): Promise<string> {
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const { stdout } = await run('sh', ['-c', `command -v ${name}`]);
      if (stdout.trim() !== '') return stdout.trim();
    } catch {
      // not this one
    }
  }
  throw new Error(
    'chromium is not installed: the status page test needs a real browser (apt-get install -y chromium; .ci/run installs it)',
  );
}

async function headless(url: string, extra: readonly string[]): Promise<string> {
  const browser = await chromiumPath();
  // A profile of its own per load: no lock left behind by another, nothing shared with a person's browser.
  const profile = await mkdtemp(join(tmpdir(), 'status-page-chromium-'));
  try {
    const { stdout } = await run(
      browser,
      [
        '--headless=new',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--virtual-time-budget=5000',
        '--window-size=1280,900',
        ...extra,
        url,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** The page's DOM once its scripts ran. */
export function dumpDom(url: string): Promise<string> {
  return headless(url, ['--dump-dom']);
}

export async function screenshot(url: string, path: string): Promise<void> {
  await headless(url, [`--screenshot=${path}`, '--hide-scrollbars']);
}
