/**
 * `npm run build`: bundles the verifier and holder pages into dist/credential/web/static, so a
 * production image that ships only dist/ serves them without the TypeScript sources or esbuild.
 */
import path from 'node:path';
import { writeWebBundles } from '../credential/web/bundle';

const out = path.join(__dirname, '..', 'dist', 'credential', 'web', 'static');
writeWebBundles(out).then(
  () => process.stdout.write(`credential pages written to ${out}\n`),
  (err: Error) => {
    process.stderr.write(`building the credential pages failed: ${err.message}\n`);
    process.exit(1);
  },
);
