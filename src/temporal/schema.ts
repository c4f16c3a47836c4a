/** Temporal history: tables. (Placeholder until the capability lands; its SQL replaces this.) */
import type { Migration } from '../platform/store/migrate.ts';

export const temporalMigration: Migration = {
  id: '0006_temporal',
  sql: 'SELECT 1',
};
