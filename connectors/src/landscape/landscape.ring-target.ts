import { InputError } from '@eucora/core';
import { cleanErrorCode } from '../shared/http-errors';
import type { RingMember } from '../connector';
import { numericMemberIds, type RingConvergeCounts } from '../shared/ring-members';

/** The LandscapeConnector's signed legacy-API call. */
export type LandscapeCall = <T>(action: string, params: Record<string, string>, accept?: number[]) => Promise<{ status: number; body: T }>;

/** Computer ids per AddTags/RemoveTags call (`id:1 OR id:2 …`; chunk size unverified in contracts A4, kept small). */
export const LANDSCAPE_TAG_CHUNK = 100;
/** GetComputers page (contracts A4: limit default 1000). */
const PAGE = 1000;

/** What one converge of a ring's Landscape tag did (`skipped`: members whose deviceKey is no Landscape computer id). */
export type LandscapeTagConverge = RingConvergeCounts;

/**
 * Converges the ring's tag (contracts A4): read the computers carrying `tag:<tag>` (paged), add the tag to the missing
 * ones and remove it from the others with `query=id:12 OR id:13` in chunks, then re-read. ExecuteScript on `tag:<tag>`
 * resolves at call time, so this runs before the execution.
 */
export async function convergeLandscapeTag(
  call: LandscapeCall,
  tag: string,
  members: readonly RingMember[],
): Promise<LandscapeTagConverge> {
  let requests = 0;
  const send = async <T>(action: string, params: Record<string, string>): Promise<T> => {
    requests++;
    const res = await call<T & { error?: string }>(action, params, [400]);
    if (res.status === 400)
      throw new InputError(`landscape ${action} refused (${cleanErrorCode((res.body as { error?: string }).error) ?? 'error'})`);
    return res.body;
  };
  const { want, skipped } = numericMemberIds(members);
  const read = async () => {
    const have = new Set<number>();
    for (let offset = 0; ; offset += PAGE) {
      const page = await send<{ id: number }[]>('GetComputers', { query: `tag:${tag}`, limit: String(PAGE), offset: String(offset) });
      for (const c of page) have.add(c.id);
      if (page.length < PAGE) return have;
    }
  };
  const have = await read();
  const add = [...want].filter((n) => !have.has(n)).sort((a, b) => a - b);
  const remove = [...have].filter((n) => !want.has(n)).sort((a, b) => a - b);
  for (const [action, ids] of [
    ['AddTagsToComputers', add],
    ['RemoveTagsFromComputers', remove],
  ] as const) {
    for (let i = 0; i < ids.length; i += LANDSCAPE_TAG_CHUNK) {
      const query = ids
        .slice(i, i + LANDSCAPE_TAG_CHUNK)
        .map((n) => `id:${n}`)
        .join(' OR ');
      await send(action, { query, 'tags.1': tag });
    }
  }
  const members2 = add.length || remove.length ? (await read()).size : have.size;
  return { added: add.length, removed: remove.length, skipped, members: members2, requests };
}
