/** Text for an XML element body (Jamf Classic API documents): `&`, `<` and `>` escaped. */
export function xmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A POSIX shell single-quoted word (Landscape scripts): embedded single quotes closed, escaped and reopened. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
