/**
 * Why a call to the vault failed, as a stable code the app can match on and translate. The
 * message is for logs: it names the call and the status, never the API key, a header, an OTK or a
 * value, and never echoes what the vault or the network said.
 */
export type VaultCallErrorCode =
  | 'not_configured'
  | 'unreachable'
  | 'connection_lost'
  | 'timeout'
  | 'unauthorized'
  | 'not_sender'
  | 'invalid_otk'
  | 'session_closed'
  | 'not_submitted'
  | 'not_found'
  | 'relay_bound'
  | 'relay_in_progress'
  | 'off_record_gone'
  | 'rate_limited'
  | 'rejected'
  | 'unavailable'
  | 'bad_response';

/** A failed call from the app to the vault (the vault's own errors are its VaultError, sent as error bodies). */
export class VaultCallError extends Error {
  public readonly code: VaultCallErrorCode;
  /** HTTP status, when the vault answered. */
  public readonly status?: number;
  /** The vault's own error code (`bad_request`, …), when it sent one. */
  public readonly vaultCode?: string;

  constructor(code: VaultCallErrorCode, message: string, status?: number, vaultCode?: string) {
    super(message);
    this.name = 'VaultCallError';
    this.code = code;
    this.status = status;
    this.vaultCode = vaultCode;
  }

  /** What may be logged about it. */
  public toLog(): { code: VaultCallErrorCode; status?: number; vaultCode?: string; message: string } {
    return { code: this.code, status: this.status, vaultCode: this.vaultCode, message: this.message };
  }
}

export function isVaultCallError(err: unknown): err is VaultCallError {
  return (
    err instanceof VaultCallError ||
    (typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'VaultCallError')
  );
}

/** What may be logged about any failure around a vault call: a VaultCallError's code and status, never another error's text. */
export function loggableError(err: unknown): ReturnType<VaultCallError['toLog']> | 'unexpected error' {
  return isVaultCallError(err) ? err.toLog() : 'unexpected error';
}

/**
 * Whether the vault may have carried the call out although the app saw it fail: no answer (a
 * timeout, a connection lost once made), a server error, or an answer it could not read. Any other
 * failure is the vault's refusal or a connection never made (`unreachable`): nothing happened there.
 */
export function outcomeUnknown(err: unknown): boolean {
  if (!isVaultCallError(err)) return true;
  return (
    err.code === 'timeout' ||
    err.code === 'connection_lost' ||
    err.code === 'unavailable' ||
    err.code === 'bad_response'
  );
}

/** The i18n key that explains a vault failure to an agent. */
export function vaultCallErrorMessageKey(err: unknown): string {
  const code = isVaultCallError(err) ? err.code : 'unreachable';
  switch (code) {
    case 'not_configured':
      return 'error_not_configured';
    case 'timeout':
      return 'error_vault_timeout';
    case 'unauthorized':
      return 'error_vault_unauthorized';
    case 'not_sender':
    case 'invalid_otk':
      return 'error_not_sender';
    case 'session_closed':
      return 'error_session_closed';
    case 'not_submitted':
      return 'error_not_answered';
    case 'not_found':
      return 'error_request_unknown';
    case 'relay_bound':
      return 'error_relay_bound';
    case 'relay_in_progress':
      return 'error_relay_in_progress';
    case 'off_record_gone':
      return 'error_off_record_gone';
    case 'rate_limited':
      return 'error_vault_busy';
    case 'rejected':
    case 'bad_response':
      return 'error_vault_rejected';
    default:
      return 'error_vault_unreachable';
  }
}
