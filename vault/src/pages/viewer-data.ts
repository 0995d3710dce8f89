/**
 * What the viewer page hands its script, and the element ids and attributes both sides rely on.
 * Shared by `viewer-render.ts` and `client/viewer.ts`. Never holds a secret value.
 */

export const VIEWER_DATA_ID = 'viewer-data';
export const VIEWER_TIMER_ID = 'viewer-timer';
export const VIEWER_FIELDS_ID = 'viewer-fields';
export const VIEWER_STATUS_ID = 'viewer-status';
export const VIEWER_CLOSE_FORM_ID = 'viewer-close';

/** `data-action` of the buttons beside each field. */
export type ViewerAction = 'reveal' | 'copy';

export interface ViewerPageData {
  locale: string;
  /** Where Reveal and Copy POST `{"fieldId","action"}` (same origin; the session is a cookie). */
  revealUrl: string;
  /** Asked while a value is on the page: a 404 there means the view is over. */
  statusUrl: string;
  /** Whether values may be copied from the page; off, the page refuses every copy and cut. */
  copy: boolean;
  /** How long the view lasts from when the page was served, so the browser's clock does not matter. */
  secondsLeft: number;
  /** ID&V only: the word for a space, so a revealed answer reads "[space]" or "٧ (7)" (the contract's rule). */
  idvSpace?: string;
  messages: {
    timeLeft: string;
    reveal: string;
    revealLabel: string;
    conceal: string;
    concealLabel: string;
    hidden: string;
    expired: string;
    copied: string;
    copyFailed: string;
    fetchFailed: string;
    endedTitle: string;
    endedBody: string;
  };
}

/** The element that shows a field's value (or its state). */
export function valueElementId(index: number): string {
  return `viewer-value-${index}`;
}
