// Where the construct finds what the repository builds: the Docker build context (the root, with its Dockerfile)
// and the Lambda handler's zip. From this file's place in the compiled tree (cdk/dist/cdk/src/), not from the
// working directory, so `cdk synth` run from anywhere finds the same files.
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root: cdk/dist/cdk/src/ is four levels below it. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** What `npm run package:lambda` writes (a prop overrides it: lambda.zipPath). */
export const LAMBDA_ZIP_DEFAULT = join(REPOSITORY_ROOT, 'dist-lambda', 'ddb-replicator-lambda.zip');
