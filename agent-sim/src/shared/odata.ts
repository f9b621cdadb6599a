/** EDM type of a property as the simulators declare it per class. */
export type EdmType = 'Edm.String' | 'Edm.UInt32' | 'Edm.Int32' | 'Edm.Boolean';

/** Raised for a `$filter` the service rejects (400); `message` reads like the AdminService's OData error. */
export class ODataFilterError extends Error {}

/**
 * Minimal OData `$filter` support for the simulators: `Field eq 'text'`, `Field eq 12`, `Field eq true`, joined by `and`.
 * With `types`, the filter is typed as OData v4 types it: a string literal compared with a numeric property (or a number
 * with a string property) is a 400 "incompatible types" error, and an unknown property is a 400 too.
 */
export function odataMatches(filter: unknown, types?: Record<string, EdmType>): (obj: Record<string, unknown>) => boolean {
  if (typeof filter !== 'string' || !filter.trim()) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((c) => {
    const m = /^\s*(\w+)\s+eq\s+('(?:[^']|'')*'|\d+|true|false)\s*$/i.exec(c);
    if (!m) throw new ODataFilterError(`unsupported $filter clause: ${c}`);
    const raw = m[2]!;
    const literal: EdmType = raw.startsWith("'") ? 'Edm.String' : /^\d+$/.test(raw) ? 'Edm.Int32' : 'Edm.Boolean';
    if (types) {
      const declared = types[m[1]!];
      if (!declared) throw new ODataFilterError(`Could not find a property named '${m[1]}' on type 'AdminService.Entity'.`);
      const numeric = (t: EdmType) => t === 'Edm.UInt32' || t === 'Edm.Int32';
      if (numeric(declared) !== numeric(literal) || (declared === 'Edm.String') !== (literal === 'Edm.String')) {
        throw new ODataFilterError(
          'A binary operator with incompatible types was detected. ' +
            `Found operand types '${declared}' and '${literal}' for operator kind 'Equal'.`,
        );
      }
    }
    const value = raw.startsWith("'")
      ? raw.slice(1, -1).replace(/''/g, "'")
      : raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : Number(raw);
    return { field: m[1]!, value };
  });
  return (obj) => clauses.every((c) => obj[c.field] === c.value);
}
