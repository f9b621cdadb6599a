import { linkPath } from '../plane-inventory';

/** OData string literal (Graph and the SCCM AdminService): the value in single quotes, single quotes doubled. */
export function odataString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** A page of an OData collection (`value`, next page by `@odata.nextLink`). */
export interface ODataPage<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

/** Path of an OData page's next page without `prefix` (see `linkPath`), or null on the last page. */
export function odataNext(page: ODataPage<unknown>, prefix = ''): string | null {
  const link = page['@odata.nextLink'];
  return link ? linkPath(link, prefix) : null;
}
