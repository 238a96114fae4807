// The message for every rule the server can refuse a record by (RecordRule, generated from
// crates/protocol): a rule added in Rust without a message here fails to compile.
import type { RecordRule } from '../bindings';
import type { MessageKey } from '../i18n/en';

export const ruleMessage: Record<RecordRule, MessageKey | null> = {
  future_month: 'syncRule.future_month',
  too_old: 'syncRule.too_old',
  out_of_range: 'syncRule.out_of_range',
  too_many_minutes: 'syncRule.too_many_minutes',
  duplicate: 'syncRule.duplicate',
  not_your_report: 'syncRule.not_your_report',
  yourself: 'syncRule.yourself',
  invalid_id: 'syncRule.invalid_id',
  // A rule from a newer server: its own words are shown.
  unknown: null,
};
