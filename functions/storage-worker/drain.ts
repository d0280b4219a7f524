// The storage worker: removes the Storage files an erasure queued (private.storage_removals) through the Storage API,
// never by deleting storage.objects rows (Storage keeps the files; only its API removes both). It claims due rows in
// batches (private.claim_storage_removals: a lease, an attempt counter, `for update skip locked`), calls
// `storage.from(bucket).remove(names)` as the service role, and completes the rows (they go) or fails them (retried
// with backoff). Removing is idempotent: a name Storage no longer has is simply not in its answer, so a worker killed
// after Storage acted and before the rows were completed repeats the call harmlessly, and a run with nothing due
// makes no Storage call at all.
import { asServiceRole } from '../_shared/db.ts';
import { serviceStorage } from '../_shared/storage.ts';

type Removal = { id: string; bucket_id: string; name: string; attempts: number };

export type StorageDrainOptions = {
  /** How long claimed rows are reserved for this run. */
  leaseSeconds?: number;
  /** Files per claim (and per Storage call; Storage removes at most 1,000 per request). */
  batchSize?: number;
  /** Stop claiming after this long (edge functions have a wall-clock limit). */
  budgetMs?: number;
};

export type StorageDrainResult = { claimed: number; removed: number; already_gone: number; retrying: number };

export async function drainStorageRemovals(options: StorageDrainOptions = {}): Promise<StorageDrainResult> {
  const { leaseSeconds = 120, batchSize = 100, budgetMs = 60_000 } = options;
  const started = Date.now();
  const result: StorageDrainResult = { claimed: 0, removed: 0, already_gone: 0, retrying: 0 };
  const storage = serviceStorage(); // without Storage settings, answer 503 before claiming (and spending attempts on) any row
  while (Date.now() - started < budgetMs) {
    const claimed = await asServiceRole((tx) =>
      tx<Removal[]>`select * from private.claim_storage_removals(${batchSize}, ${leaseSeconds})`
    );
    if (claimed.length === 0) break;
    result.claimed += claimed.length;
    const byBucket = Map.groupBy(claimed, (removal) => removal.bucket_id);
    for (const [bucket, removals] of byBucket) {
      const ids = removals.map((removal) => removal.id);
      const { data, error } = await storage.from(bucket).remove(removals.map((removal) => removal.name));
      if (error) {
        console.error(`storage removal of ${removals.length} files in ${bucket} failed`, error.message);
        await asServiceRole((tx) => tx`select private.fail_storage_removals(${ids}::bigint[], ${error.message})`);
        result.retrying += removals.length;
        continue;
      }
      await asServiceRole((tx) => tx`select private.complete_storage_removals(${ids}::bigint[])`);
      result.removed += data.length;
      result.already_gone += removals.length - data.length;
    }
    if (claimed.length < batchSize) break;
  }
  return result;
}
