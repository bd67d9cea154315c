/** A List response that pages with Marker, NextMarker and Truncated. */
export interface MarkedPage {
  readonly Truncated?: boolean | undefined;
  readonly NextMarker?: string | undefined;
}

/** What one page looked like: how many items, Truncated, whether it carried a NextMarker. */
export interface PageShape {
  readonly n: number;
  readonly truncated: boolean | undefined;
  readonly marker: boolean;
}

/** The pages five items make with Limit 2. */
export const FIVE_IN_PAGES_OF_TWO: readonly PageShape[] = [
  { n: 2, truncated: true, marker: true },
  { n: 2, truncated: true, marker: true },
  { n: 1, truncated: false, marker: false },
];

/**
 * Follows NextMarker: `list` is called with `{}`, then with `{ Marker }` of the page before, until
 * a page is not Truncated. Returns every item (`itemsOf` a page) and the shape of each page; throws
 * when `maxPages` pages were not enough.
 */
export async function allPages<P extends MarkedPage, T>(
  what: string,
  maxPages: number,
  list: (marker: { Marker?: string }) => Promise<P>,
  itemsOf: (page: P) => readonly T[] | undefined,
): Promise<{ items: T[]; shapes: PageShape[] }> {
  const items: T[] = [];
  const shapes: PageShape[] = [];
  let marker: string | undefined;
  for (let n = 0; n < maxPages; n++) {
    const page = await list(marker === undefined ? {} : { Marker: marker });
    const these = itemsOf(page) ?? [];
    shapes.push({ n: these.length, truncated: page.Truncated, marker: page.NextMarker !== undefined });
    items.push(...these);
    if (page.Truncated !== true) return { items, shapes };
    marker = page.NextMarker;
  }
  throw new Error(`${what} did not finish within ${maxPages} pages`);
}
