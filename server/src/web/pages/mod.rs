//! One module a page (or a group of pages), each rendering with maud through `layout`.

pub mod audit;
pub mod career;
pub mod dashboard;
pub mod engagement;
pub mod layout;
pub mod login;
pub mod not_yet;
pub mod quality;
pub mod report;
pub mod rollout;
pub mod settings;
