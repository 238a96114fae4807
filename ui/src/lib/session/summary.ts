// The member-facing summary of one session: the date, the agenda (done, or carried to next time)
// and the open action items with their owner and due date. Never the private note, never a reason.
import type { SessionView } from '../bindings';

export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export function memberSummary(view: SessionView, t: Translate, formatDate: (iso: string) => string): string {
  const s = view.session;
  const lines = [`# ${t('summary.heading', { name: s.person_name, date: formatDate(s.at) })}`, ''];
  lines.push(`## ${t('session.agenda')}`, '');
  if (view.agenda.length === 0) lines.push(t('summary.noAgenda'));
  for (const item of view.agenda) {
    lines.push(item.done ? `- [x] ${item.text}` : `- [ ] ${t('summary.nextTime', { text: item.text })}`);
  }
  lines.push('', `## ${t('summary.actions')}`, '');
  if (view.open_actions.length === 0) lines.push(t('summary.noActions'));
  for (const a of view.open_actions) {
    const owner = t(`summary.owner.${a.owner}`, { name: s.person_name });
    const due = a.due_date ? `, ${t('summary.due', { date: formatDate(a.due_date) })}` : '';
    lines.push(`- ${a.text} — ${owner}${due}`);
  }
  return lines.join('\n') + '\n';
}
