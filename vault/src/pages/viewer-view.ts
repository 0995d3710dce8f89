import type { FieldType, IdvSpec, RequestKind, ViewerPurpose } from '../contract';

/**
 * How a field first appears on the viewer page:
 * `shown` plain (not a secret), `masked` a card number as BIN + last four, `hidden` until revealed,
 * `expired` off the record and past its memory window, `withheld` off the record and the viewer a
 * manager, `empty` not filled in.
 */
export type ViewerFieldState = 'shown' | 'masked' | 'hidden' | 'expired' | 'withheld' | 'empty';

export interface ViewerField {
  id: string;
  label: string;
  type: FieldType;
  state: ViewerFieldState;
  /** Only for `shown` (the value) and `masked` (BIN + last four). */
  display?: string;
}

/** What the viewer page shows: field states, never a secret value. */
export interface ViewerPage {
  requestId: string;
  kind: RequestKind;
  title: string;
  idv?: IdvSpec;
  purpose: ViewerPurpose;
  fields: ViewerField[];
  /** Whether the page has Copy buttons (the site's `viewer-copy` switch); off, nothing on it can be copied. */
  copy: boolean;
  expiresAt: string;
}
