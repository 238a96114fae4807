//! The quality of 1on1s as the dashboard and the report show it beside completion: the words and
//! cells only; what each unit shows is `crate::figures::disclose_quality`'s.

use maud::{Markup, html};
use taiwa_protocol::Month;

use crate::figures::{Quality, QualityDisclosed};
use crate::web::Lang;

/// The heading of the quality figures: it claims no more than the figures are.
pub fn caption(lang: Lang) -> &'static str {
    lang.pick(
        "1on1 quality, from the members who chose to rate",
        "1on1の質（評価を選んだメンバーの回答から）",
    )
}

/// What the three figures are, in words, wherever they are shown.
pub fn definition(lang: Lang, k: u32) -> String {
    match lang {
        Lang::Ja => format!(
            "すっきり度：メンバーが月の1on1を1〜5で評価した平均（すっきり度に答えた評価のみ）。話したいことを話せた：「はい」の割合（この問いに答えた評価のみ。「一部」「いいえ」は含めません）。回答率：その月に実施済みのペアのうち、メンバーが評価したペアの割合。評価は任意で、匿名のまま組織と月で集計します。評価が{k}件未満の組織は表示せず、上位の組織で集計します。上司ごと・ペアごとの数字はありません。"
        ),
        Lang::En => format!(
            "Clarity (すっきり度): the average of the 1–5 scores members gave the month's 1on1 (over the ratings that gave one). Talked about what they wanted: the share answering \"yes\" (over the ratings that answered; \"partly\" and \"no\" are the rest). Response rate: of the pairs that met in the month, the share whose member rated it. Rating is optional and counted by unit and month only; units with fewer than {k} ratings are withheld and counted in the unit above. There is no figure by manager or by pair."
        ),
    }
}

/// Clarity with one decimal, out of 5.
pub fn clarity(lang: Lang, q: &Quality) -> String {
    match q.ratings.average_clarity() {
        Some(c) => format!("{c:.1}"),
        None => lang.pick("no answers", "回答なし").to_owned(),
    }
}

pub fn withheld(lang: Lang, k: u32) -> String {
    match lang {
        Lang::Ja => format!("評価が{k}件未満のため表示しません"),
        Lang::En => format!("Withheld: fewer than {k} ratings"),
    }
}

/// A month whose ratings may still arrive or change: when its quality will be shown.
pub fn not_final(lang: Lang, month: Month) -> String {
    let day = crate::figures::quality_final_day(month);
    match (lang, day) {
        (Lang::Ja, Some(d)) => format!(
            "{}の1on1の質は{}から表示します（評価の受付と変更の期間が終わってから。1件の評価で数字が動かないように）。",
            lang.month(month),
            d.format("%Y年%-m月%-d日")
        ),
        (Lang::En, Some(d)) => format!(
            "The quality of {}'s 1on1s is shown from {}, once ratings can no longer be given or changed (so that no figure moves by one rating).",
            lang.month(month),
            d.format("%-d %B %Y")
        ),
        (_, None) => String::new(),
    }
}

/// The three column heads.
pub fn heads(lang: Lang) -> Markup {
    html! {
        th.num.quality { (lang.pick("Clarity", "すっきり度")) " " span.nowrap { (lang.pick("(1–5)", "（1〜5）")) } }
        th.num.quality { (lang.pick("Talked about what they wanted", "話したいことを話せた")) }
        th.num.quality { (lang.pick("Response rate", "回答率")) }
    }
}

/// A unit's three cells: its figures, "no ratings", or withheld.
pub fn cells(lang: Lang, d: &QualityDisclosed, k: u32) -> Markup {
    html! {
        @match &d.quality {
            Some(q) if q.ratings.ratings > 0 => {
                td.num.quality data-ratings=(q.ratings.ratings) data-clarity=(clarity(lang, q)) { (clarity(lang, q)) }
                td.num.quality data-talked=(lang.rate(q.ratings.talked_share())) { (lang.rate(q.ratings.talked_share())) }
                td.num.quality data-response=(lang.rate(q.response_rate())) { (lang.rate(q.response_rate())) " " span.muted.small { "(" (lang.of(q.met_pairs_rated, q.met_pairs)) ")" } }
            }
            Some(_) => { td.muted.quality colspan="3" data-ratings="0" { (lang.pick("no ratings", "評価なし")) } }
            None => { td.muted.quality colspan="3" data-withheld="fewer-ratings" { (withheld(lang, k)) } }
        }
    }
}

/// A short line for a phone's list of units.
pub fn line(lang: Lang, d: &QualityDisclosed, k: u32) -> Markup {
    html! {
        span.quality-line.muted {
            @match &d.quality {
                Some(q) if q.ratings.ratings > 0 => {
                    (lang.pick("Clarity ", "すっきり度 ")) (clarity(lang, q)) " · "
                    (lang.pick("talked about what they wanted ", "話したいことを話せた ")) (lang.rate(q.ratings.talked_share())) " · "
                    (lang.pick("response rate ", "回答率 ")) (lang.rate(q.response_rate()))
                }
                Some(_) => (lang.pick("No ratings", "評価なし")),
                None => (withheld(lang, k)),
            }
        }
    }
}

/// The headline's block: the three figures with their counts.
pub fn headline(lang: Lang, d: &QualityDisclosed, k: u32) -> Markup {
    html! {
        div.quality-facts {
            h2 { (caption(lang)) }
            @match &d.quality {
                Some(q) if q.ratings.ratings > 0 => {
                    p { strong { (lang.pick("Clarity", "すっきり度")) } " "
                        span.figure-small #quality-clarity { (clarity(lang, q)) } " / 5 "
                        span.muted { (match lang {
                            Lang::Ja => format!("（{}件の回答）", lang.count(q.ratings.clarity_answers)),
                            Lang::En => format!("({} answers)", lang.count(q.ratings.clarity_answers)),
                        }) } }
                    p { strong { (lang.pick("Talked about what they wanted", "話したいことを話せた")) } " "
                        span #quality-talked { (lang.rate(q.ratings.talked_share())) } " "
                        span.muted { (match lang {
                            Lang::Ja => format!("（はい {}・一部 {}・いいえ {}）", q.ratings.talked_yes, q.ratings.talked_partly, q.ratings.talked_no),
                            Lang::En => format!("(yes {}, partly {}, no {})", q.ratings.talked_yes, q.ratings.talked_partly, q.ratings.talked_no),
                        }) } }
                    p { strong { (lang.pick("Response rate", "回答率")) } " "
                        span #quality-response { (lang.rate(q.response_rate())) } " "
                        span.muted { (match lang {
                            Lang::Ja => format!("（実施済み {} ペアのうち {} ペアが評価）", lang.count(q.met_pairs), lang.count(q.met_pairs_rated)),
                            Lang::En => format!("({} of {} pairs that met rated)", lang.count(q.met_pairs_rated), lang.count(q.met_pairs)),
                        }) } }
                    @if d.counted_above > 0 {
                        p.muted.small { (match lang {
                            Lang::Ja => format!("小さなグループの評価{}件は上位の組織で集計しているため、ここには含みません。", lang.count(d.counted_above)),
                            Lang::En => format!("{} ratings of small groups are counted in the unit above, not here.", lang.count(d.counted_above)),
                        }) }
                    }
                }
                Some(_) => p.muted { (lang.pick("No ratings this month.", "この月の評価はありません。")) },
                None => p.suppressed { (withheld(lang, k)) },
            }
        }
    }
}
