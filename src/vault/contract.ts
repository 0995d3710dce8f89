/**
 * The vault's contract, from the one module the vault itself uses (vault/src/contract/): the API's
 * types, and the rules both sides apply (limits, ids, field definitions, patterns, locales). The
 * packager ships those rule files, and the re2js engine they run on, inside the app's zip.
 */
export type {
  AutofillToken,
  ClaimableEvent,
  ClaimEventResponse,
  CloseSessionBody,
  CompliancePosture,
  CreateRequestBody,
  CreateRequestResponse,
  CreateViewerBody,
  CreateViewerResponse,
  DetokenizeBody,
  DetokenizeResponse,
  DoorbellBody,
  DoorbellEvent,
  EraseVisitorResponse,
  ErrorBody,
  ErrorCode,
  ExportVisitorResponse,
  FieldSummary,
  FieldType,
  FormFieldSpec,
  FormSpec,
  IdvSpec,
  MintOtkBody,
  MintOtkResponse,
  RelayOutcomeName,
  RelaySendBody,
  RelaySendResponse,
  RequestKind,
  RequestStateResponse,
  RequestStatus,
  SelectOption,
  ViewerPurpose,
  VisitorDataBody,
} from '../../vault/src/contract/index';
export { FIELD_TYPES } from '../../vault/src/contract/index';
export {
  MAX_FORM_PATTERN_PROGRAM,
  fieldSpecProblems,
  formPatternsTooComplex,
  isAutofillToken,
  isFieldType,
} from '../../vault/src/contract/form-rules';
export type { FieldSpecProblem } from '../../vault/src/contract/form-rules';
export {
  LENGTH_RANGES,
  LIMITS,
  codePointLength,
  hideCardLikeRuns,
  holdsCardLikeRun,
  holdsForbiddenCharacter,
  isFieldId,
  isFormId,
  isLinkUrl,
  isRelayId,
  isRelayParamName,
  isRelayParamValue,
  isSiteId,
  isText,
  isVisible,
} from '../../vault/src/contract/limits';
export { DEFAULT_LOCALE, closestLocale } from '../../vault/src/contract/locale';
export { withoutTrailing } from '../../vault/src/contract/trailing';
