import { runPrivacyCommand } from '../../privacy/visitor-privacy';
import { runReadinessCommand } from '../../readiness/readiness-check';
import { showMaskingCounts } from '../../redaction/counts-report';
import type { AppCommandSpec } from './app-command';

/** `/masking-counts [days]`: admins only (checked by the report); how often each masking rule fired, per day and room. */
export const MASKING_COUNTS_COMMAND: AppCommandSpec = {
  command: 'masking-counts',
  i18nParamsExample: 'command_masking_counts_params',
  i18nDescription: 'command_masking_counts_description',
  run: (deps, sender, room, args) => showMaskingCounts(deps, sender, room, args),
};

/** `/idv-privacy erase|export [room <roomId> | visitor <token>]`: administrators only (checked on the server). */
export const PRIVACY_COMMAND: AppCommandSpec = {
  command: 'idv-privacy',
  i18nParamsExample: 'command_idv_privacy_params',
  i18nDescription: 'command_idv_privacy_description',
  permission: 'manage-apps',
  run: (deps, sender, room, args) => runPrivacyCommand(deps, sender, room, args),
};

/** `/idv-readiness`: the PCI DSS readiness report, for administrators (checked on the server). */
export const READINESS_COMMAND: AppCommandSpec = {
  command: 'idv-readiness',
  i18nParamsExample: '',
  i18nDescription: 'command_idv_readiness_description',
  permission: 'manage-apps',
  run: (deps, sender, room) => runReadinessCommand(deps, sender, room),
};
