//! What a roster pull does to the manager's people list, the same in the app and on the command
//! line: known people follow the directory (name, org unit, email); nothing local is deleted; new
//! direct reports are named, and added only when asked.

use taiwa_protocol::{Roster, RosterMember};
use taiwa_vault::{NewPerson, PersonEdit, Vault};

use crate::SyncError;

/// Where a roster member stands in the people list after a pull.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RosterMatch {
    /// In the list and as the directory says.
    Known,
    /// In the list; name, org unit or email updated from the directory.
    Updated,
    /// Not in the list; added (when asked).
    Added,
    /// Not in the list; offered.
    New,
}

impl RosterMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            RosterMatch::Known => "known",
            RosterMatch::Updated => "updated",
            RosterMatch::Added => "added",
            RosterMatch::New => "new",
        }
    }
}

/// Applies a pulled roster to the vault; `add_new` also adds direct reports not in the list.
pub fn apply_roster(
    vault: &mut Vault,
    roster: &Roster,
    add_new: bool,
) -> Result<Vec<(RosterMember, RosterMatch)>, SyncError> {
    let people = vault.people(true)?;
    let mut out = Vec::with_capacity(roster.members.len());
    for member in &roster.members {
        let known = people
            .iter()
            .find(|p| p.employee_id.as_deref() == Some(member.employee_id.as_str()));
        let status = match known {
            Some(p) => {
                let changed = p.name != member.name
                    || p.org_unit.as_deref() != Some(member.org_unit_name.as_str())
                    || p.email.as_deref() != Some(member.email.as_str());
                if changed {
                    vault.edit_person(
                        p.id,
                        PersonEdit {
                            name: Some(member.name.clone()),
                            org_unit: Some(Some(member.org_unit_name.clone())),
                            email: Some((!member.email.is_empty()).then(|| member.email.clone())),
                            ..Default::default()
                        },
                    )?;
                    RosterMatch::Updated
                } else {
                    RosterMatch::Known
                }
            }
            None if add_new => {
                vault.add_person(NewPerson {
                    name: member.name.clone(),
                    employee_id: Some(member.employee_id.clone()),
                    email: (!member.email.is_empty()).then(|| member.email.clone()),
                    org_unit: Some(member.org_unit_name.clone()),
                    ..Default::default()
                })?;
                RosterMatch::Added
            }
            None => RosterMatch::New,
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

    fn member(id: &str, name: &str, email: &str, unit: &str) -> RosterMember {
        RosterMember {
            employee_id: id.into(),
            name: name.into(),
            email: email.into(),
            org_unit_id: "O2".into(),
            org_unit_name: unit.into(),
        }
    }

    #[test]
    fn a_pull_updates_names_units_and_emails_and_adds_only_when_asked() {
        let tmp = tempfile::tempdir().unwrap();
        let (mut vault, _) = Vault::create(
            &tmp.path().join("vault"),
            &Passphrase::new("correct horse battery staple".into()),
            taiwa_domain::Zone::UTC,
        )
        .unwrap();
        let sato = vault
            .add_person(NewPerson {
                name: "佐藤".into(),
                employee_id: Some("E04".into()),
                email: Some("old@example.co.jp".into()),
                ..Default::default()
            })
            .unwrap()
            .id;
        let roster = Roster {
            manager: member("E02", "山本 享子", "e02@example.co.jp", "営業部"),
            members: vec![
                member("E04", "佐藤 花子", "hanako.sato@example.co.jp", "営業部"),
                member("E05", "田中 誠", "e05@example.co.jp", "営業部"),
            ],
        };
        let first = apply_roster(&mut vault, &roster, false).unwrap();
        let statuses: Vec<(&str, RosterMatch)> = first.iter().map(|(m, s)| (m.employee_id.as_str(), *s)).collect();
        assert_eq!(statuses, [("E04", RosterMatch::Updated), ("E05", RosterMatch::New)]);
        let p = vault.person(sato).unwrap();
        assert_eq!(
            (p.name.as_str(), p.email.as_deref(), p.org_unit.as_deref()),
            ("佐藤 花子", Some("hanako.sato@example.co.jp"), Some("営業部")),
            "the email follows the directory too"
        );
        assert_eq!(vault.people(true).unwrap().len(), 1, "not added unless asked");
        let second = apply_roster(&mut vault, &roster, true).unwrap();
        assert_eq!(second[0].1, RosterMatch::Known);
        assert_eq!(second[1].1, RosterMatch::Added);
        assert_eq!(vault.people(true).unwrap().len(), 2);
    }

    #[test]
    fn the_default_device_name_is_never_empty_and_fits() {
        let name = default_device_name();
        assert!(!name.is_empty() && name.chars().count() <= 64);
    }
}
