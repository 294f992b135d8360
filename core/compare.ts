/** Code-unit order: the same on every machine and locale, so plans are deterministic. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function byId(a: { readonly id: string }, b: { readonly id: string }): number {
  return compareStrings(a.id, b.id);
}
