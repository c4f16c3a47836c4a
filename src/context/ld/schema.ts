/** The table of JSON-LD @contexts the broker keeps: Hosted (added through the API), Cached (fetched) and ImplicitlyCreated (inline). */
import type { Migration } from '../../platform/store/migrate.ts';

/**
 * `ld_contexts`, one row per @context, shared by every city of the broker (contexts are not per tenant):
 * - `local_id` the id under /ngsi-ld/v1/jsonldContexts/;
 * - `url` the original URL of a Cached context (NULL for Hosted and ImplicitlyCreated: they are served here);
 * - `body` the document as text, `{"@context": …}`;
 * - `fetched_at` when a Cached context was last downloaded (its age decides the background refresh);
 * - `hits`, `last_usage` how often and when requests used it (flushed from memory every few seconds).
 */
export const ldContextsMigration: Migration = {
  id: '0005_jsonld_contexts',
  sql: `
    CREATE TABLE ld_contexts (
      local_id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('Hosted', 'Cached', 'ImplicitlyCreated')),
      url text UNIQUE,
      body text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      fetched_at timestamptz,
      last_usage timestamptz,
      hits bigint NOT NULL DEFAULT 0,
      CHECK ((kind = 'Cached') = (url IS NOT NULL))
    );
    CREATE INDEX ld_contexts_kind ON ld_contexts (kind);`,
};
