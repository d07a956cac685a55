// `npm run docs:iam`: writes the README's IAM table from src/iam (between its iam-table markers), so that the
// README says what `policy` prints; src/iam/iam-table.test.ts fails while the README is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withIamTable } from '../src/iam/iam-table.js';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));
const before = readFileSync(readme, 'utf8');
const after = withIamTable(before);
if (after === before) {
  process.stdout.write('README.md: the IAM table is up to date\n');
} else {
  writeFileSync(readme, after);
  process.stdout.write('README.md: IAM table written\n');
}
