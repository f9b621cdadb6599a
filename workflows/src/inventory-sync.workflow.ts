import { continueAsNew, proxyActivities, setHandler, sleep } from '@temporalio/workflow';
import type { InventoryActivities } from './inventory.activities';
import { inventoryLastRunQuery, type InventorySyncInput, type InventorySyncRun } from './inventory.messages';

const NON_RETRYABLE = ['InputError', 'NotFoundError', 'ConflictError', 'NotAllowedError', 'UnauthenticatedError'];
const acts = proxyActivities<InventoryActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '60 seconds', nonRetryableErrorTypes: NON_RETRYABLE },
});
const membershipActs = proxyActivities<InventoryActivities>({
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes', nonRetryableErrorTypes: NON_RETRYABLE },
});

/** The next run reads changes from this long before the current run started: clocks of plane and worker differ a little. */
const SINCE_OVERLAP_MS = 60_000;

/**
 * Inventory sync of one tenant's plane, forever: a run reads the plane's devices page by page (one activity per page, the
 * cursor kept in the workflow so a crash resumes at the page it stopped at), incrementally where the plane can filter on a
 * change time and fully every `fullSyncEvery` runs; a full run also reads group memberships (planes without inline groups)
 * and marks devices unseen for `staleAfterMs` as stale. Between runs it sleeps `intervalMs` and continues as new.
 */
export async function inventorySyncWorkflow(input: InventorySyncInput): Promise<InventorySyncRun> {
  let last: InventorySyncRun | null = input.lastRun ?? null;
  setHandler(inventoryLastRunQuery, () => last);
  const run = input.run ?? 0;
  const caps = await acts.inventoryCapabilities({ tenantId: input.tenantId, plane: input.plane });
  const state = input.resume ?? {
    cursor: null,
    syncedAt: new Date().toISOString(),
    full: !caps.incremental || !input.since || run % Math.max(1, input.settings.fullSyncEvery) === 0,
    devices: 0,
    requests: 0,
    pages: 0,
  };
  const since = state.full ? undefined : (input.since ?? undefined);
  let pagesHere = 0;
  do {
    if (pagesHere >= (input.settings.pagesPerExecution ?? 200))
      await continueAsNew<typeof inventorySyncWorkflow>({
        ...input,
        resume: state,
      });
    const page = await acts.syncInventoryPage({
      tenantId: input.tenantId,
      plane: input.plane,
      cursor: state.cursor,
      since,
      syncedAt: state.syncedAt,
    });
    state.cursor = page.cursor;
    state.devices += page.devices;
    state.requests += page.requests;
    state.pages++;
    pagesHere++;
  } while (state.cursor);

  let markedStale = 0;
  let counts: InventorySyncRun['counts'] = null;
  if (state.full) {
    if (!caps.groupsInline)
      state.requests += (
        await membershipActs.syncInventoryMemberships({
          tenantId: input.tenantId,
          plane: input.plane,
          syncedAt: state.syncedAt,
        })
      ).requests;
    // Unseen by this full run and by anything else for `staleAfterMs`: stale, never deleted.
    const seenBefore = Math.min(Date.parse(state.syncedAt), Date.now() - input.settings.staleAfterMs);
    const res = await acts.markInventoryStale({
      tenantId: input.tenantId,
      plane: input.plane,
      seenBefore: new Date(seenBefore).toISOString(),
    });
    markedStale = res.marked;
    counts = res.counts;
  }
  last = {
    run,
    full: state.full,
    syncedAt: state.syncedAt,
    pages: state.pages,
    devices: state.devices,
    requests: state.requests,
    markedStale,
    counts,
    nextSince: new Date(Date.parse(state.syncedAt) - SINCE_OVERLAP_MS).toISOString(),
  };
  const runsLeft = input.runsLeft === undefined ? undefined : input.runsLeft - 1;
  if (runsLeft !== undefined && runsLeft <= 0) return last;
  await sleep(input.settings.intervalMs);
  return continueAsNew<typeof inventorySyncWorkflow>({
    tenantId: input.tenantId,
    plane: input.plane,
    settings: input.settings,
    run: run + 1,
    since: last.nextSince,
    runsLeft,
    lastRun: last,
  });
}
