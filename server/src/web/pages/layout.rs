//! The frame of every page: the head, the navigation by role, the language switch and sign-out.

use maud::{DOCTYPE, Markup, html};

use crate::web::{Hr, Lang, csrf_field};

/// The sections of the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Dashboard,
    NotYet,
    Report,
    Engagement,
    CareerPaths,
    Rollout,
    Settings,
    Audit,
    Account,
}

fn head(lang: Lang, title: &str) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " — Taiwa" }
            link rel="stylesheet" href="/hr/static/taiwa.css";
            script src="/hr/static/taiwa.js" defer {}
            meta name="color-scheme" content="light";
            meta name="language" content=(lang.code());
        }
    }
}

/// A page without navigation: sign-in, invitations, errors.
pub fn bare(lang: Lang, title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body.bare {
                header.top {
                    span.brand { "Taiwa " span.brand-ja { "対話" } }
                }
                (body)
            }
        }
    }
}

/// A page for a signed-in person.
pub fn page(hr: &Hr, active: Nav, title: &str, body: Markup) -> Markup {
    let lang = hr.lang;
    let mut items: Vec<(Nav, &str, &str)> = vec![(Nav::Dashboard, "/hr/", lang.pick("Completion", "実施状況"))];
    if hr.is_admin() {
        items.extend([
            (
                Nav::NotYet,
                "/hr/not-yet",
                lang.pick("Not yet this month", "今月未実施"),
            ),
            (Nav::Report, "/hr/report", lang.pick("Executive report", "経営報告")),
            (
                Nav::Engagement,
                "/hr/engagement",
                lang.pick("Engagement", "エンゲージメント"),
            ),
            (
                Nav::CareerPaths,
                "/hr/career-paths",
                lang.pick("Career paths", "キャリアパス"),
            ),
            (
                Nav::Rollout,
                "/hr/rollout",
                lang.pick("Roll-out & devices", "導入と端末"),
            ),
            (Nav::Settings, "/hr/settings", lang.pick("Settings", "設定")),
            (Nav::Audit, "/hr/audit", lang.pick("Audit log", "監査ログ")),
        ]);
    }
    let role = match hr.scope().map(|id| hr.scope_name.as_deref().unwrap_or(id)) {
        None => lang.pick("HR administrator", "人事管理者").to_owned(),
        Some(unit) => match lang {
            Lang::Ja => format!("組織閲覧者（{unit}）"),
            Lang::En => format!("Org viewer ({unit})"),
        },
    };
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title))
            body {
                header.top {
                    a.brand href="/hr/" { "Taiwa " span.brand-ja { "対話" } }
                    nav aria-label=(lang.pick("Sections", "メニュー")) {
                        @for (nav, href, label) in &items {
                            a href=(href) aria-current=[(*nav == active).then_some("page")] { (label) }
                        }
                    }
                    div.who {
                        form.inline method="post" action="/hr/lang" {
                            (csrf_field(hr))
                            input type="hidden" name="next" value=(hr.here);
                            button.link name="lang" value="ja" disabled[lang == Lang::Ja] { "日本語" }
                            " | "
                            button.link name="lang" value="en" disabled[lang == Lang::En] { "English" }
                        }
                        a href="/hr/account" title=(role) aria-current=[(active == Nav::Account).then_some("page")] { (hr.account.email) }
                        form.inline method="post" action="/hr/logout" {
                            (csrf_field(hr))
                            button.link { (lang.pick("Sign out", "サインアウト")) }
                        }
                    }
                }
                main { (body) }
                footer.page-foot {
                    p { (crate::web::format::met_definition(lang)) }
                }
            }
        }
    }
}

/// A notice at the top of a page after an action.
pub fn notice(text: Option<&str>) -> Markup {
    html! {
        @if let Some(t) = text {
            p.notice role="status" { (t) }
        }
    }
}

/// What did not happen, for `problems`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Saved,
    Imported,
}

/// The problems of a form or an upload that changed nothing, each on its line.
pub fn problems(lang: Lang, what: Refused, problems: &[String]) -> Markup {
    let n = problems.len();
    html! {
        @if !problems.is_empty() {
            div.problem role="alert" {
                p { (match (lang, what) {
                    (Lang::Ja, Refused::Saved) => format!("保存していません（変更はありません）。問題{n}件："),
                    (Lang::Ja, Refused::Imported) => format!("取り込んでいません（変更はありません）。問題{n}件："),
                    (Lang::En, Refused::Saved) => format!("Nothing was saved (nothing changed). {n} problem(s):"),
                    (Lang::En, Refused::Imported) => format!("Nothing was imported (nothing changed). {n} problem(s):"),
                }) }
                ul { @for p in problems.iter().take(200) { li { (p) } } }
            }
        }
    }
}

/// The current directory's units as a form offers them: (id, path), parents first, so that a
/// person chooses a unit by where it is, never by typing its id.
pub fn unit_choices(view: &crate::store::MonthView) -> Vec<(String, String)> {
    view.tree
        .order()
        .iter()
        .map(|&u| (view.units[u].id.clone(), crate::web::format::path(&view.units[u].path)))
        .collect()
}

/// The path of unit `id` among `choices`, or the id itself when the directory has it no more.
pub fn unit_path<'a>(choices: &'a [(String, String)], id: &'a str) -> &'a str {
    choices.iter().find(|(u, _)| u == id).map_or(id, |(_, p)| p.as_str())
}

/// A choice of one unit by its path; `blank` is the text of choosing none (none: a unit is
/// required).
pub fn unit_select(name: &str, choices: &[(String, String)], selected: Option<&str>, blank: Option<&str>) -> Markup {
    html! {
        select.unit-choice name=(name) required[blank.is_none()] {
            @if let Some(b) = blank { option value="" { (b) } }
            @for (id, path) in choices {
                option value=(id) selected[selected == Some(id.as_str())] { (path) }
            }
        }
    }
}

/// A question asked before something that cannot be undone (revoking a device, deleting an
/// entry, resetting an account): what it does, a button that posts `fields` again with
/// `confirm=yes` to `action`, and a way back that changes nothing.
pub struct Ask<'a> {
    pub title: &'a str,
    pub what: &'a str,
    pub action: &'a str,
    pub fields: &'a [(&'a str, &'a str)],
    pub yes: &'a str,
    pub back: &'a str,
}

pub fn ask(hr: &Hr, a: &Ask<'_>) -> Markup {
    let lang = hr.lang;
    html! {
        h1 { (a.title) }
        div.confirm.ask {
            p { (a.what) }
            p.muted { (lang.pick("Nothing changes until you confirm.", "確認するまで何も変わりません。")) }
            form.actions method="post" action=(a.action) {
                (csrf_field(hr))
                @for (name, value) in a.fields { input type="hidden" name=(name) value=(value); }
                input type="hidden" name="confirm" value="yes";
                button.danger { (a.yes) }
                " "
                a.button href=(a.back) { (lang.pick("Cancel", "キャンセル")) }
            }
        }
    }
}
