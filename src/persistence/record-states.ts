/** How the vault's request status reads as the state an agent sees. */
import type { RecordState, SecureRequestRecord } from './request-records';
import type { RequestStatus } from '../vault/contract';

export function stateFromVault(
  status: RequestStatus,
  record: Pick<SecureRequestRecord, 'kind' | 'viewedAt'>,
): RecordState {
  switch (status) {
    case 'pending':
      return 'sent';
    case 'submitted':
      if (record.viewedAt) {
        return 'viewed';
      }
      return record.kind === 'idv' ? 'answered' : 'submitted';
    default:
      return status;
  }
}

/** States after which the visitor can no longer answer. */
export function isFinalState(state: RecordState): boolean {
  return state !== 'sent' && state !== 'opened';
}

/** States in which the sender can look at the answer. */
export function hasAnswer(state: RecordState): boolean {
  return state === 'submitted' || state === 'answered' || state === 'viewed';
}
