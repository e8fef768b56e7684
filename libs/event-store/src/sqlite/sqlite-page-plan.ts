import type { EventRow } from './sqlite-event-store';

/**
 * How a reader (one readAll, one subscription) fetches its pages when the filter names
 * event types, chosen from the share of rows that matched on its last page: a dense filter
 * (a projection of every person event) is read by scanning positions, a sparse one (a
 * type that is one event in thousands) through the type index. The thresholds leave a gap
 * so a share near one of them does not switch plans on every page.
 */
export class PagePlan {
  /** A scan page covers at most limit × this many positions, so a sparse filter costs one bounded scan before the switch. */
  static readonly SCAN_WINDOW = 8;
  /** Scan while at least this share of the positions read match; below, use the index. */
  static readonly SCAN_BELOW = 1 / 8;
  /** Go back to scanning once the index plan's pages are at least this dense. */
  static readonly SCAN_ABOVE = 1 / 4;
  scan = true;

  learn(matched: number, positions: number): void {
    if (positions <= 0) return;
    const share = matched / positions;
    if (this.scan && share < PagePlan.SCAN_BELOW) this.scan = false;
    else if (!this.scan && share >= PagePlan.SCAN_ABOVE) this.scan = true;
  }
}

/** A page of a filtered read: its rows, and the position up to which every matching row has been returned. */
export interface Page {
  rows: EventRow[];
  readTo: number;
}
