//! The figures HR reads: the facts of a month loaded from storage (`views`), kept between requests
//! (`cache`), and the admin API's reports (`admin`); the arithmetic and what each viewer may see
//! are `crate::figures`'.

mod admin;
mod cache;
mod views;

pub use admin::{completion, completion_csv, pairs, quality_csv, quality_report};
pub use cache::{ReportCache, Reports};
pub(crate) use views::withdraw_released;
pub use views::{MonthDirectory, MonthView, UnitInfo, month_start, month_view, month_views, released_views};
