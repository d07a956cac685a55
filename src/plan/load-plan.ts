// Reads a plan file (`--plan FILE`) and validates it (parse-plan.ts) before anything moves; a file that cannot
// be read is one ConfigError line too. Nothing else of the plan reads the file, so a running fleet that
// re-resolves the plan works from the plan it validated at start.
import { readFile } from 'node:fs/promises';
import { planError } from './plan-error.js';
import { parsePlan } from './parse-plan.js';
import type { Plan } from './plan-schema.js';

export async function loadPlan(path: string): Promise<Plan> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file: check the path given to --plan'
        : code === 'EISDIR'
          ? 'is a directory: give the plan file itself'
          : `cannot read it (${err instanceof Error ? err.message : String(err)})`;
    throw planError(path, [{ where: '', what: why }]);
  }
  return parsePlan(text, path);
}
