/** Subscriptions and the notification outbox: tables. (Placeholder until the capability lands; its SQL replaces this.) */
import type { Migration } from '../platform/store/migrate.ts';

export const subscriptionsMigration: Migration = {
  id: '0007_subscriptions',
  sql: 'SELECT 1',
};
