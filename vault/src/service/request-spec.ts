import type {
  CreateRequestBody,
  FormFieldSpec,
  IdvSpec,
  RequestKind,
  SelectOption,
  VisitorFieldView,
} from '../contract';
import {
  describeFieldSpecProblem,
  fieldSpecProblems,
  FORM_PATTERNS_TOO_COMPLEX,
  formPatternsTooComplex,
} from '../contract/form-rules';
import { VaultError } from '../errors';
import { idvFields } from '../pages/idv-fields';

/**
 * The public shape of a request, stored as JSON with it: what the page shows and the server
 * validates against. It holds labels and rules, never a value.
 */
export interface RequestSpec {
  title: string;
  formId?: string;
  idv?: IdvSpec;
  fields: VisitorFieldView[];
  /** The payment-processor relay the form's values go to (never shown to anyone). */
  relay?: string;
}

/** Turns a checked `POST /v1/requests` body into the spec to store; throws 400 on nonsense. */
export function buildRequestSpec(body: CreateRequestBody): RequestSpec {
  if (body.kind === 'idv') {
    if (!body.idv || body.form) throw new VaultError('bad_request', 'An "idv" request needs "idv" and no "form".');
    return idvSpec(body.idv);
  }
  if (!body.form || body.idv) throw new VaultError('bad_request', 'A "form" request needs "form" and no "idv".');
  const ids = new Set<string>();
  const fields = body.form.fields.map((field) => {
    if (ids.has(field.id)) throw new VaultError('bad_request', `Field id "${field.id}" appears twice.`);
    ids.add(field.id);
    return formField(field);
  });
  if (formPatternsTooComplex(body.form.fields)) throw new VaultError('bad_request', FORM_PATTERNS_TOO_COMPLEX);
  return {
    title: body.form.title,
    formId: body.form.id,
    fields,
    ...(body.form.relay ? { relay: body.form.relay } : {}),
  };
}

function idvSpec(idv: IdvSpec): RequestSpec {
  const positions = [...idv.positions].sort((a, b) => a - b);
  if (new Set(positions).size !== positions.length)
    throw new VaultError('bad_request', 'ID&V positions must be distinct.');
  // Stored with English labels (what the app reads back); the page translates them.
  return {
    title: idv.label,
    idv: { label: idv.label, positions },
    fields: idvFields({ label: idv.label, positions }, 'en'),
  };
}

function formField(field: FormFieldSpec): VisitorFieldView {
  const [problem] = fieldSpecProblems(field);
  if (problem) throw new VaultError('bad_request', describeFieldSpecProblem(field.id, problem));
  const view: VisitorFieldView = {
    id: field.id,
    label: field.label,
    type: field.type,
    required: field.required ?? false,
    masked: field.type === 'cvv' || (field.masked ?? false),
    // CVV may never be stored, whatever the form says.
    offTheRecord: field.type === 'cvv' || (field.offTheRecord ?? false),
  };
  if (field.options) view.options = field.options.map(selectOption);
  if (field.minLength !== undefined) view.minLength = field.minLength;
  if (field.maxLength !== undefined) view.maxLength = field.maxLength;
  if (field.pattern !== undefined) view.pattern = field.pattern;
  if (field.hint !== undefined) view.hint = field.hint;
  if (field.autocomplete !== undefined) view.autocomplete = field.autocomplete;
  return view;
}

function selectOption(option: SelectOption): { value: string; label: string } {
  return typeof option === 'string' ? { value: option, label: option } : { value: option.value, label: option.label };
}

export function parseSpec(json: string): RequestSpec {
  return JSON.parse(json) as RequestSpec;
}

/** The key of a request's sealed ephemeral data (off-the-record fields or ID&V answer). */
export function ephemeralKey(requestId: string): string {
  return `eph:${requestId}`;
}

export function kindOf(spec: RequestSpec): RequestKind {
  return spec.idv ? 'idv' : 'form';
}

/** The values the visitor gave: without the off-the-record fields they left blank. */
export function givenValues(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== ''));
}

/** Off-the-record fields whose entry is gone (its TTL, an erase): a field left blank is in it as ''. */
export function expiredOffRecord(spec: RequestSpec, values: Record<string, string>): string[] {
  return spec.fields.filter((field) => field.offTheRecord && values[field.id] === undefined).map((field) => field.id);
}
