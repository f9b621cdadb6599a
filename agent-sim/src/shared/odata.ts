/** Minimal OData `$filter` support for the simulators: `Field eq 'text'`, `Field eq 12`, `Field eq true`, joined by `and`. */
export function odataMatches(filter: unknown): (obj: Record<string, unknown>) => boolean {
  if (typeof filter !== 'string' || !filter.trim()) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((c) => {
    const m = /^\s*(\w+)\s+eq\s+('(?:[^']|'')*'|\d+|true|false)\s*$/i.exec(c);
    if (!m) throw new Error(`unsupported $filter clause: ${c}`);
    const raw = m[2]!;
    const value = raw.startsWith("'") ? raw.slice(1, -1).replace(/''/g, "'") : raw === 'true' ? true : raw === 'false' ? false : Number(raw);
    return { field: m[1]!, value };
  });
  return (obj) => clauses.every((c) => obj[c.field] === c.value);
}
