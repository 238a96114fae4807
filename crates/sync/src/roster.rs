//! What a roster pull does to the manager's people list, the same in the app and on the command
//! line: the directory's names, units and emails for known people are offered, never imposed
//! (`Vault::directory_changes`; taken only when the manager accepts); nothing local is deleted;
//! new direct reports are named, and added only when asked.

use taiwa_protocol::{Roster, RosterMember};
use taiwa_vault::{DirectoryEntry, NewPerson, Vault};

use crate::SyncError;

/// Where a roster member stands in the people list after a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterMatch {
    /// In the list, and the directory says nothing new about them.
    Known,
    /// In the list; the directory's name, unit or email differs and is offered.
    Offered,
    /// In the list; the directory's values were just taken (when asked).
    Accepted,
    /// Not in the list; added (when asked).
    Added,
    /// Not in the list; offered.
    New,
}

impl RosterMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            RosterMatch::Known => "known",
            RosterMatch::Offered => "offered",
            RosterMatch::Accepted => "accepted",
            RosterMatch::Added => "added",
            RosterMatch::New => "new",
        }
    }
}

/// A roster member as the vault's directory entry.
pub fn directory_entry(member: &RosterMember) -> DirectoryEntry {
    DirectoryEntry {
        employee_id: member.employee_id.clone(),
        name: member.name.clone(),
        org_unit: member.org_unit_name.clone(),
        email: member.email.clone(),
    }
}

/// What to do with a pulled roster besides offering what differs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RosterChoices {
    /// Add direct reports who are not in the list.
    pub add_new: bool,
    /// Take the directory's name, unit and email for everyone it offers them for.
    pub accept_all: bool,
}

/// Applies a pulled roster to the vault as `choices` say: known people change only when
/// `accept_all`, new ones are added only when `add_new`.
pub fn apply_roster(
    vault: &mut Vault,
    roster: &Roster,
    choices: RosterChoices,
) -> Result<Vec<(RosterMember, RosterMatch)>, SyncError> {
    let people = vault.people(true)?;
    let entries: Vec<DirectoryEntry> = roster.members.iter().map(directory_entry).collect();
    let offered = vault.directory_changes(&entries)?;
    let mut out = Vec::with_capacity(roster.members.len());
    for member in &roster.members {
        let person = people
            .iter()
            .find(|p| p.employee_id.as_deref() == Some(member.employee_id.as_str()));
        let known = person.is_some();
        // A reading the list does not have yet is taken from the directory: it fills an empty
        // field and changes nothing the manager chose (a reading they typed stays).
        if let (Some(p), Some(reading)) = (person, &member.reading)
            && p.reading.is_none()
        {
            vault.edit_person(
                p.id,
                taiwa_vault::PersonEdit {
                    reading: Some(Some(reading.clone())),
                    ..Default::default()
                },
            )?;
        }
        let change = offered.iter().find(|c| c.entry.employee_id == member.employee_id);
        let status = match (known, change) {
            (true, Some(change)) if choices.accept_all => {
                vault.answer_directory(change.person_id, &change.entry, true)?;
                RosterMatch::Accepted
            }
            (true, Some(_)) => RosterMatch::Offered,
            (true, None) => RosterMatch::Known,
            (false, _) if choices.add_new => {
                vault.add_person(NewPerson {
                    name: member.name.clone(),
                    reading: member.reading.clone(),
                    employee_id: Some(member.employee_id.clone()),
                    email: (!member.email.is_empty()).then(|| member.email.clone()),
                    org_unit: Some(member.org_unit_name.clone()),
                    ..Default::default()
                })?;
                RosterMatch::Added
            }
            (false, _) => RosterMatch::New,
        };
        out.push((member.clone(), status));
    }
    Ok(out)
}

/// The device name sent at enrolment when none is given: the computer's host name (at most 64
/// characters), else "Taiwa". The same in the app and on the command line.
pub fn default_device_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().chars().take(64).collect::<String>())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "Taiwa".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use taiwa_vault::Passphrase;

    /// A new vault in a temporary folder (kept alive by the first value).
    fn vault() -> (tempfile::TempDir, Vault) {
        let tmp = tempfile::tempdir().unwrap();
        let (vault, _) = Vault::create(
            &tmp.path().join("vault"),
            &Passphrase::new("correct horse battery staple".into()),
            taiwa_domain::Zone::UTC,
        )
        .unwrap();
        (tmp, vault)
    }

    fn member(id: &str, name: &str, email: &str, unit: &str) -> RosterMember {
        RosterMember {
            employee_id: id.into(),
            name: name.into(),
            reading: None,
            email: email.into(),
            org_unit_id: "O2".into(),
            org_unit_name: unit.into(),
        }
    }

    #[test]
    fn a_pull_offers_the_directorys_names_and_changes_nothing_unless_asked() {
        let (_tmp, mut vault) = vault();
        // A 40-character name the manager typed, and a name with an emoji.
        let long = "寿限無寿限無五劫の擦り切れ海砂利水魚の水行末雲来末風来末食う寝る処に住む処やぶら小路";
        let jugem = vault
            .add_person(NewPerson {
                name: long.into(),
                employee_id: Some("E04".into()),
                org_unit: Some("営業一課".into()),
                ..Default::default()
            })
            .unwrap()
            .id;
        let emoji = vault
            .add_person(NewPerson {
                name: "田中 誠 🌸".into(),
                employee_id: Some("E05".into()),
                ..Default::default()
            })
            .unwrap()
            .id;
        let roster = |e04: &str, unit: &str| Roster {
            manager: member("E02", "山本 享子", "e02@example.co.jp", "営業部"),
            members: vec![
                member("E04", e04, "e04@example.co.jp", unit),
                member("E05", "田中 誠", "e05@example.co.jp", "営業部"),
                member("E06", "鈴木 一郎", "e06@example.co.jp", "営業部"),
            ],
        };
        let first = apply_roster(&mut vault, &roster("寿限無", "営業二課"), RosterChoices::default()).unwrap();
        let statuses: Vec<(&str, RosterMatch)> = first.iter().map(|(m, s)| (m.employee_id.as_str(), *s)).collect();
        assert_eq!(
            statuses,
            [
                ("E04", RosterMatch::Offered),
                ("E05", RosterMatch::Offered),
                ("E06", RosterMatch::New)
            ]
        );
        assert_eq!(
            vault.person(jugem).unwrap().name,
            long,
            "nothing renamed without a word"
        );
        assert_eq!(vault.person(jugem).unwrap().org_unit.as_deref(), Some("営業一課"));
        assert_eq!(vault.person(emoji).unwrap().name, "田中 誠 🌸");
        assert_eq!(vault.people(true).unwrap().len(), 2, "not added unless asked");

        // Each change is offered person by person, old → new.
        let entries: Vec<_> = roster("寿限無", "営業二課")
            .members
            .iter()
            .map(directory_entry)
            .collect();
        let changes = vault.directory_changes(&entries).unwrap();
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].name, Some((long.to_owned(), "寿限無".to_owned())));
        assert_eq!(changes[0].org_unit, Some((Some("営業一課".into()), "営業二課".into())));
        // The manager keeps their own name for E04 and takes the directory's for E05.
        vault.answer_directory(jugem, &changes[0].entry, false).unwrap();
        vault.answer_directory(emoji, &changes[1].entry, true).unwrap();
        assert_eq!(vault.person(jugem).unwrap().name, long);
        assert_eq!(vault.person(emoji).unwrap().name, "田中 誠");
        assert!(
            vault.directory_changes(&entries).unwrap().is_empty(),
            "answered: not offered again"
        );
        // A later change in the directory is offered the same way; accepting all takes it.
        let later = roster("寿限無 長助", "営業二課");
        let again = apply_roster(
            &mut vault,
            &later,
            RosterChoices {
                add_new: true,
                accept_all: false,
            },
        )
        .unwrap();
        assert_eq!(again[0].1, RosterMatch::Offered);
        assert_eq!(again[2].1, RosterMatch::Added);
        let taken = apply_roster(
            &mut vault,
            &later,
            RosterChoices {
                add_new: false,
                accept_all: true,
            },
        )
        .unwrap();
        assert_eq!(taken[0].1, RosterMatch::Accepted);
        assert_eq!(vault.person(jugem).unwrap().name, "寿限無 長助");
        assert_eq!(
            vault.person(jugem).unwrap().org_unit.as_deref(),
            Some("営業一課"),
            "the unit the manager kept stays: the directory's is not new"
        );
    }

    #[test]
    fn a_reading_from_the_directory_fills_an_empty_one_and_never_replaces_the_managers() {
        let (_tmp, mut vault) = vault();
        let add = |vault: &mut Vault, id: &str, reading: Option<&str>| {
            vault
                .add_person(NewPerson {
                    name: format!("名前 {id}"),
                    reading: reading.map(Into::into),
                    employee_id: Some(id.into()),
                    ..Default::default()
                })
                .unwrap()
                .id
        };
        let empty = add(&mut vault, "E04", None);
        let typed = add(&mut vault, "E05", Some("てで にゅうりょく"));
        let with = |id: &str, reading: &str| RosterMember {
            reading: Some(reading.into()),
            ..member(id, &format!("名前 {id}"), "", "営業部")
        };
        let roster = Roster {
            manager: member("E02", "山本 享子", "", "営業部"),
            members: vec![with("E04", "やまだ"), with("E05", "めいぼ"), with("E06", "すずき")],
        };
        apply_roster(
            &mut vault,
            &roster,
            RosterChoices {
                add_new: true,
                accept_all: false,
            },
        )
        .unwrap();
        assert_eq!(vault.person(empty).unwrap().reading.as_deref(), Some("やまだ"));
        assert_eq!(
            vault.person(typed).unwrap().reading.as_deref(),
            Some("てで にゅうりょく")
        );
        let added = vault
            .people(false)
            .unwrap()
            .into_iter()
            .find(|p| p.employee_id.as_deref() == Some("E06"));
        assert_eq!(added.and_then(|p| p.reading).as_deref(), Some("すずき"));
    }

    #[test]
    fn the_default_device_name_is_never_empty_and_fits() {
        let name = default_device_name();
        assert!(!name.is_empty() && name.chars().count() <= 64);
    }
}
