/** Every migration of the platform and its capabilities, in the order they apply. */
import { alarmsMigration } from './alarms/schema.ts';
import { auditMigration } from './platform/audit/schema.ts';
import { authMigration } from './platform/auth/schema.ts';
import type { Migration } from './platform/store/migrate.ts';
import { tenancyMigration } from './platform/tenancy/schema.ts';
import { ldContextsMigration } from './context/ld/index.ts';
import { contextMigration, entityFillfactorMigration, entityIdCollationMigration, entityLocationsMigration } from './context/schema.ts';
import { devicesMigration } from './devices/schema.ts';
import { incidentsMigration } from './incidents/schema.ts';
import { insightMigration } from './insight/schema.ts';
import { requestsMigration } from './requests/schema.ts';
import { subscriptionsMigration } from './subscriptions/schema.ts';
import { compactInstancesMigration, rollupFillfactorMigration, rollupPendingMigration, rollupPendingStorageMigration, packedValuesMigration, packIdsMigration, temporalMigration, temporalPacksMigration } from './temporal/schema.ts';

export const migrations: readonly Migration[] = [
  tenancyMigration,
  authMigration,
  auditMigration,
  contextMigration,
  ldContextsMigration,
  temporalMigration,
  subscriptionsMigration,
  devicesMigration,
  entityLocationsMigration,
  requestsMigration,
  entityFillfactorMigration,
  rollupFillfactorMigration,
  alarmsMigration,
  incidentsMigration,
  insightMigration,
  compactInstancesMigration,
  rollupPendingMigration,
  temporalPacksMigration,
  packedValuesMigration,
  packIdsMigration,
  entityIdCollationMigration,
  rollupPendingStorageMigration,
];
