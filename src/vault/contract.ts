/**
 * The vault's API types, from the one contract module the vault itself uses. Types only: they
 * vanish at compile time, so the app never loads vault code.
 */
export type {
  AutofillToken,
  CloseSessionBody,
  CreateRequestBody,
  CreateRequestResponse,
  CreateViewerBody,
  CreateViewerResponse,
  DetokenizeBody,
  DetokenizeResponse,
  DoorbellBody,
  DoorbellEvent,
  ErrorBody,
  ErrorCode,
  FieldSummary,
  FieldType,
  FormFieldSpec,
  FormSpec,
  IdvSpec,
  MintOtkBody,
  MintOtkResponse,
  RequestKind,
  RequestStateResponse,
  RequestStatus,
  SelectOption,
  ViewerPurpose,
} from '../../vault/src/contract/index';
