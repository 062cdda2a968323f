import type { Client } from '@temporalio/client';
import type { Sequelize } from 'sequelize';
import type { Config } from '../common/config';
import type { Logger } from '../common/logger';
import type { Queues } from '../common/queues';
import type { ApiServices } from './services';

/** What the HTTP layer needs; created once per process by api/main.ts (or by a test). */
export interface ApiDeps {
  config: Config;
  logger: Logger;
  db: Sequelize;
  queues: Queues;
  temporal: Client;
  services: ApiServices;
}
