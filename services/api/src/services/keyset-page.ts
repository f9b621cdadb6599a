/**
 * One page of a keyset listing that was read with `limit + 1` rows: the first `limit` rows, and the cursor of the last of
 * them when the extra row shows that more follow (`next` is null on the last page).
 */
export function keysetPage<T, C>(rows: readonly T[], limit: number, cursorOf: (last: T) => C): { page: T[]; next: C | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { page, next: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
