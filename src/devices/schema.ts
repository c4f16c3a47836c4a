/** The device registry: tables. (Placeholder until the capability lands; its SQL replaces this.) */
import type { Migration } from '../platform/store/migrate.ts';

export const devicesMigration: Migration = {
  id: '0008_devices',
  sql: 'SELECT 1',
};
