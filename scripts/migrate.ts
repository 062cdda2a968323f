/** `npm run migrate`: applies pending migrations with the migrator account. */
import { loadConfigOrExit } from '../common/config';
import { migrateUp } from '../db/migrate';

loadConfigOrExit();
migrateUp(loadConfigOrExit())
  .then((applied) => {
    process.stdout.write(applied.length ? `migrations applied: ${applied.join(', ')}\n` : 'schema is up to date\n');
  })
  .catch((err: Error) => {
    process.stderr.write(`migrate: ${err.message}\n`);
    process.exit(1);
  });
