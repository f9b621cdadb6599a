import { ConflictError, InputError } from '@eucora/core';
import type { RingMember } from '../connector';
import { countingCall, numericMemberIds, type RingConvergeCounts } from '../shared/ring-members';
import { odataString } from '../shared/odata';

type Obj = Record<string, unknown>;
/** The SccmConnector's authenticated AdminService call (paths relative to `/AdminService/wmi`). */
export type SccmCall = <T>(method: string, path: string, body?: unknown, accept?: number[]) => Promise<{ status: number; body: T }>;

/** What one converge of a ring's device collection did (`skipped`: members whose deviceKey is no ResourceID). */
export interface SccmCollectionConverge extends RingConvergeCounts {
  collection: Obj;
  created: boolean;
}

/**
 * Converges the ring's device collection (contracts A3): look up by `Name` (duplicate-create behaviour is unverified, so
 * always first; > 1 → fail), create {CollectionType 2, LimitToCollectionID SMS00001} when absent, read its direct rules
 * from the key GET (`CollectionRules`), add one `SMS_CollectionRuleDirect` per missing ResourceID, delete rules of
 * devices no longer in the ring (with the rule's own properties), request a refresh when anything changed, and re-read
 * SMS_FullCollectionMembership.
 */
export async function convergeSccmCollection(
  call: SccmCall,
  targetKey: string,
  members: readonly RingMember[],
): Promise<SccmCollectionConverge> {
  const { send, count } = countingCall(call);
  const { want, skipped } = numericMemberIds(members, 10);
  const byName = encodeURIComponent(`Name eq ${odataString(targetKey)}`);
  const found = (await send<{ value: Obj[] }>('GET', `/SMS_Collection?$filter=${byName}`)).body.value;
  if (found.length > 1) throw new ConflictError(`sccm: ${found.length} collections are named "${targetKey}"; resolve by hand`);
  let coll = found[0];
  const created = !coll;
  if (!coll) {
    coll = (
      await send<Obj>('POST', '/SMS_Collection', {
        Name: targetKey,
        CollectionType: 2,
        LimitToCollectionID: 'SMS00001',
        RefreshType: 1,
        Comment: 'EUCORA ring target (direct rules, converged)',
      })
    ).body;
  }
  const id = String(coll.CollectionID ?? '');
  if (!/^[A-Za-z0-9]{3,12}$/.test(id)) throw new InputError(`sccm: collection "${targetKey}" has no CollectionID`);
  const keyPath = `/SMS_Collection('${id}')`;
  const rules = created
    ? []
    : ((await send<{ value: { CollectionRules?: Obj[] }[] }>('GET', keyPath)).body.value[0]?.CollectionRules ?? []);
  const direct = new Map<number, Obj>();
  for (const r of rules) if (typeof r.ResourceID === 'number') direct.set(r.ResourceID, r);
  const add = [...want].filter((n) => !direct.has(n)).sort((a, b) => a - b);
  const remove = [...direct.keys()].filter((n) => !want.has(n)).sort((a, b) => a - b);
  for (const rid of add) {
    await send('POST', `${keyPath}/AdminService.AddMembershipRule`, {
      collectionRule: {
        '@odata.type': '#AdminService.SMS_CollectionRuleDirect',
        ResourceClassName: 'SMS_R_System',
        ResourceID: rid,
        RuleName: String(rid),
      },
    });
  }
  for (const rid of remove) {
    const r = direct.get(rid)!;
    await send(
      'POST',
      `${keyPath}/AdminService.DeleteMembershipRule`,
      { collectionRule: { '@odata.type': '#AdminService.SMS_CollectionRuleDirect', ...r } },
      [404],
    );
  }
  if (add.length || remove.length) await send('POST', `${keyPath}/AdminService.RequestRefresh`, {});
  const filter = encodeURIComponent(`CollectionID eq '${id}'`);
  const now = (await send<{ value: unknown[] }>('GET', `/SMS_FullCollectionMembership?$filter=${filter}`)).body.value.length;
  return { collection: coll, created, added: add.length, removed: remove.length, skipped, members: now, requests: count() };
}
