// The repository's lint rules (../eslint.config.js), for this package's own sources: the root's check ignores
// cdk/, whose types need this package's install (aws-cdk-lib).
import root from '../eslint.config.js';

export default [{ ignores: ['dist/', 'node_modules/', 'cdk.out/', 'eslint.config.js'] }, ...root];
