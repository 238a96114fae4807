//! The closed vocabularies of the domain. Each is stored and sent as its lowercase name.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A word that is not one of a vocabulary's names; names what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{given}' is not a valid {what}; expected one of: {expected}")]
pub struct ParseKindError {
    pub what: &'static str,
    pub given: String,
    pub expected: &'static str,
}

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ts", derive(ts_rs::TS))]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(rename_all = "lowercase")]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in display order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored and wire name.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $word),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ParseKindError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($word => Ok($name::$variant),)+
                    _ => Err(ParseKindError {
                        what: $what,
                        given: s.to_owned(),
                        expected: concat!($($word, " "),+).trim_ascii_end(),
                    }),
                }
            }
        }
    };
}

vocabulary!(
    /// How the manager knows the person: a direct report, or someone met across the organisation.
    Relationship, "relationship", { Line => "line", Cross => "cross" }
);
vocabulary!(
    /// How often the person should have a 1on1.
    Cadence, "cadence", { Weekly => "weekly", Biweekly => "biweekly", Monthly => "monthly" }
);
vocabulary!(
    /// Where a session stands.
    SessionState, "session state", {
        Planned => "planned", Held => "held", Skipped => "skipped", Cancelled => "cancelled"
    }
);
vocabulary!(
    /// What an agenda item is about.
    TopicKind, "topic kind", {
        Work => "work", Career => "career", Health => "health", Relationships => "relationships",
        Private => "private", Feedback => "feedback", Other => "other"
    }
);
vocabulary!(
    /// What the member wants from the manager on an agenda item.
    Wants, "wish", {
        Listen => "listen", Advise => "advise", Decide => "decide", Think => "think", Share => "share"
    }
);
vocabulary!(
    /// Who promised to do an action item.
    Owner, "owner", { Manager => "manager", Member => "member" }
);

// The enums are macro-made, so `#[default]` cannot be placed on a variant.
#[allow(clippy::derivable_impls)]
impl Default for Relationship {
    fn default() -> Self {
        Relationship::Line
    }
}

#[allow(clippy::derivable_impls)]
impl Default for Cadence {
    fn default() -> Self {
        Cadence::Monthly
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Cadence::ALL {
            assert_eq!(c.as_str().parse::<Cadence>(), Ok(*c));
        }
        for k in TopicKind::ALL {
            assert_eq!(k.as_str().parse::<TopicKind>(), Ok(*k));
        }
    }

    #[test]
    fn an_unknown_name_says_what_was_expected() {
        let err = "fortnightly".parse::<Cadence>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "'fortnightly' is not a valid cadence; expected one of: weekly biweekly monthly"
        );
    }
}
