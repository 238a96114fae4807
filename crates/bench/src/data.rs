//! Realistic vault contents for the benchmarks: a manager's people, their 1on1s with notes in
//! Japanese and English, agenda and action items. Deterministic: the same seed, the same vault.

use chrono::Months;
use taiwa_domain::{Owner, TopicKind, Wants};
use taiwa_vault::{NewAction, NewAgendaItem, NewPerson, Vault};

/// A small, fast, seeded random source (xorshift64*), so every run builds the same data.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed | 1)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const JA: &[&str] = &[
    "来期の目標について話した。まずは小さく始めて、四半期ごとに振り返ることにした。",
    "最近の業務量が多く、残業が続いているとのこと。優先順位を一緒に整理した。",
    "新しいプロジェクトのリーダーに挑戦したいという希望があった。",
    "チーム内のコミュニケーションで困っている点を聞いた。週次の定例を見直す。",
    "評価面談に向けて、今期の成果を三つに絞って書き出してもらう。",
    "資格試験の勉強を始めたそうだ。業務時間内に学べる仕組みを検討する。",
    "顧客からのフィードバックが良かった。本人にもきちんと伝えた。",
    "在宅勤務と出社のバランスについて相談された。",
];
const EN: &[&str] = &[
    "We talked about the roadmap for next quarter and where they want to grow.",
    "They feel stretched across two projects; we agreed to drop the reporting work.",
    "Interested in mentoring the new hires, which fits their goals well.",
    "Discussed feedback from the design review and how to handle it next time.",
    "Wants more ownership of the release process; will pair with the tech lead.",
    "Health is better after the holiday; keeping meetings lighter this month.",
];
const TOPICS: &[&str] = &[
    "来期の目標",
    "キャリアの相談",
    "Release planning",
    "チームの雰囲気",
    "Feedback on the review",
    "研修の希望",
];

/// A note of a few lines, Japanese and English mixed, about `lines` long.
pub fn note(dice: &mut Dice, lines: u64) -> String {
    let mut body = String::from("## メモ\n");
    for _ in 0..lines {
        let line = if dice.below(3) == 0 {
            *dice.pick(EN)
        } else {
            *dice.pick(JA)
        };
        body.push_str("- ");
        body.push_str(line);
        body.push('\n');
    }
    body
}

/// What `fill` made.
#[derive(Debug, Clone, Default)]
pub struct Made {
    pub people: Vec<i64>,
    pub sessions: Vec<i64>,
}

/// How much each generated 1on1 carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// A note, two agenda items and an action item: a manager's real vault.
    Full,
    /// A note only: the stress vault of search figures, built in reasonable time.
    NotesOnly,
}

/// Fills `vault` with `people` people and, for each, a held 1on1 every `every_days` to
/// `every_days + 2` days over `months` months up to today, day by day, each with a note and, in `Full`
/// detail, two agenda items and an action item due two weeks later (at the next 1on1, seven in
/// eight of the open items are ticked off).
pub fn fill(
    vault: &mut Vault,
    dice: &mut Dice,
    people: usize,
    months: u32,
    every_days: u64,
    detail: Detail,
) -> Result<Made, taiwa_vault::Error> {
    let mut made = Made::default();
    let today = vault.today();
    let start = today.checked_sub_months(Months::new(months)).unwrap_or(today);
    let mut next = Vec::new();
    // Each person's action items not done yet.
    let mut open: Vec<Vec<i64>> = vec![Vec::new(); people];
    for p in 0..people {
        let person = vault.add_person(NewPerson {
            name: format!("社員 {p:02}"),
            employee_id: Some(format!("E{p:04}")),
            ..Default::default()
        })?;
        made.people.push(person.id);
        next.push(start + chrono::Days::new(dice.below(every_days)));
    }
    // Day by day, everyone's 1on1s of the day, as a manager's vault grows: a month's 1on1s lie
    // together in the file, as they would after ten years of use.
    let mut day = start;
    while day < today {
        for (p, &person_id) in made.people.clone().iter().enumerate() {
            if next[p] != day {
                continue;
            }
            let at = day
                .and_hms_opt(9 + u32::try_from(dice.below(8)).unwrap_or(0), 0, 0)
                .unwrap_or_default();
            let session = vault.plan_session(person_id, at, 30)?;
            let extras = if detail == Detail::Full { 2 } else { 0 };
            for _ in 0..extras {
                let kind = *dice.pick(&[TopicKind::Work, TopicKind::Career, TopicKind::Feedback]);
                vault.add_agenda_item(
                    session.id,
                    NewAgendaItem {
                        text: (*dice.pick(TOPICS)).to_owned(),
                        kind,
                        wants: Some(*dice.pick(&[Wants::Listen, Wants::Advise, Wants::Decide])),
                    },
                )?;
            }
            let lines = 3 + dice.below(10);
            vault.set_note(session.id, &note(dice, lines))?;
            if detail == Detail::Full {
                // Last time's items are mostly done by now; a few stay open for years.
                for action in std::mem::take(&mut open[p]) {
                    if dice.below(8) == 0 {
                        open[p].push(action);
                    } else {
                        vault.set_action_done(action, Some(day))?;
                    }
                }
                let action = vault.add_action(
                    person_id,
                    NewAction {
                        text: format!("{} の準備", dice.pick(TOPICS)),
                        session_id: Some(session.id),
                        owner: *dice.pick(&[Owner::Member, Owner::Manager]),
                        due_date: Some(day + chrono::Days::new(14)),
                    },
                )?;
                open[p].push(action.id);
            }
            vault.hold_session(session.id, Some(25 + u32::try_from(dice.below(30)).unwrap_or(0)))?;
            made.sessions.push(session.id);
            // As the app's background thread would: the log never grows without bound.
            vault.index_pending()?;
            vault.checkpoint_if_due()?;
            next[p] = day + chrono::Days::new(every_days.max(1) + dice.below(3));
        }
        day = day + chrono::Days::new(1);
    }
    Ok(made)
}
