//! The activity log: a record of every change the sandbox makes, kept 90 days, and the pages
//! `GET /v1/auditrecords` cuts from it.
//!
//! A page is cut from a snapshot: the first page names the newest record it could see, and its
//! continuation token carries that bound and the offset reached, so records added while a client
//! pages neither repeat nor shift the pages it has still to read.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use crate::seed::SeedAuditRecord;
use crate::wire::is_guid;

/// How far back Partner Center keeps records.
const KEPT: Duration = Duration::days(90);
/// The longest time one request covers.
pub(crate) const MAX_WINDOW: Duration = Duration::days(30);
/// Larger pages are served as this many records.
pub(crate) const MAX_PAGE_SIZE: usize = 500;
/// Marks the sandbox's continuation tokens of the activity log.
const TOKEN_PREFIX: &str = "sandbox-audit";

/// The oldest start a request may ask for: midnight (UTC) 90 days ago, as the documentation
/// counts the 90 days in dates.
pub(crate) fn horizon(now: OffsetDateTime) -> OffsetDateTime {
    (now - KEPT).replace_time(time::Time::MIDNIGHT)
}

/// The order of a page's `items`, which Partner Center does not document: each is served so that
/// a client's "the newest record wins" can be tested against all of them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditOrder {
    /// By `operationDate`, the newest first, as in the documentation's examples.
    #[default]
    NewestFirst,
    OldestFirst,
    /// A permutation drawn from [`AuditSettings::seed`]: the same seed, the same order.
    Shuffled,
}

/// How `GET /v1/auditrecords` answers (`PUT /admin/auditrecords/settings`). Fields left out of a
/// JSON body take their defaults: `{"order":"newest_first","seed":0,"page_size":500}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditSettings {
    pub order: AuditOrder,
    /// The seed of [`AuditOrder::Shuffled`].
    pub seed: u64,
    /// Records per page when a request has no `size`: 1 to 500.
    pub page_size: usize,
}

impl Default for AuditSettings {
    fn default() -> Self {
        Self {
            order: AuditOrder::default(),
            seed: 0,
            page_size: MAX_PAGE_SIZE,
        }
    }
}

impl AuditSettings {
    pub(crate) fn validate(&self) -> Result<(), InvalidAuditSettings> {
        if (1..=MAX_PAGE_SIZE).contains(&self.page_size) {
            Ok(())
        } else {
            Err(InvalidAuditSettings::PageSize)
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InvalidAuditSettings {
    #[error("page_size must be from 1 to {MAX_PAGE_SIZE}")]
    PageSize,
}

/// A record the log cannot hold.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum InvalidRecord {
    #[error("operation_date {0:?} is not an RFC 3339 date")]
    Date(String),
    #[error("customer_id {0:?} is not a GUID")]
    CustomerId(String),
}

/// Which records a request asks for: the documented filter fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Filter {
    /// `{"Field":"CustomerId","Operator":"equals"}`, any case.
    CustomerId(String),
    /// `{"Field":"CompanyName","Operator":"substring"}`, any case.
    CompanyName(String),
    /// `{"Field":"ResourceType","Operator":"equals"}`, any case.
    ResourceType(String),
}

impl Filter {
    fn matches(&self, record: &SeedAuditRecord) -> bool {
        match self {
            Self::CustomerId(id) => record.customer_id.eq_ignore_ascii_case(id),
            Self::CompanyName(part) => record
                .customer_name
                .as_deref()
                .is_some_and(|name| name.to_lowercase().contains(&part.to_lowercase())),
            Self::ResourceType(kind) => record.resource_type.eq_ignore_ascii_case(kind),
        }
    }
}

/// Where a following page starts: the newest record the first page could see, and how many
/// records the pages before it served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Continuation {
    snapshot: u64,
    offset: usize,
}

impl Continuation {
    pub(crate) fn token(self) -> String {
        format!("{TOKEN_PREFIX}.{}.{}", self.snapshot, self.offset)
    }

    pub(crate) fn from_token(token: &str) -> Option<Self> {
        let rest = token.strip_prefix(TOKEN_PREFIX)?.strip_prefix('.')?;
        let (snapshot, offset) = rest.split_once('.')?;
        Some(Self {
            snapshot: snapshot.parse().ok()?,
            offset: offset.parse().ok()?,
        })
    }
}

/// What a request asks of the log.
#[derive(Clone, Debug)]
pub(crate) struct Search {
    /// Both ends included.
    pub(crate) start: OffsetDateTime,
    pub(crate) end: OffsetDateTime,
    pub(crate) filter: Option<Filter>,
    pub(crate) order: AuditOrder,
    pub(crate) seed: u64,
    pub(crate) size: usize,
    /// `None` for a first page.
    pub(crate) from: Option<Continuation>,
}

/// One page: each record with its sequence number (its `id`), and where the next page starts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AuditPage {
    pub(crate) records: Vec<(u64, SeedAuditRecord)>,
    pub(crate) next: Option<Continuation>,
}

#[derive(Clone, Debug)]
struct Stored {
    /// Assigned in the order records join the log, from 1.
    seq: u64,
    date: OffsetDateTime,
    record: SeedAuditRecord,
}

/// The records of the last 90 days, in the order they joined the log.
#[derive(Debug, Default)]
pub(crate) struct AuditLog {
    stored: Vec<Stored>,
    last_seq: u64,
    /// The horizon of the last pruning: records grow out of date only when it moves, at
    /// midnight, so one pass a day keeps the log to 90 days.
    pruned_to: Option<OffsetDateTime>,
}

fn parse_date(record: &SeedAuditRecord) -> Result<OffsetDateTime, InvalidRecord> {
    OffsetDateTime::parse(&record.operation_date, &Rfc3339)
        .map_err(|_| InvalidRecord::Date(record.operation_date.clone()))
}

/// An instant as records write it.
pub(crate) fn rfc3339(date: OffsetDateTime) -> String {
    crate::seed::rfc3339(date.into())
}

impl AuditLog {
    pub(crate) fn from_records(
        records: Vec<SeedAuditRecord>,
        now: OffsetDateTime,
    ) -> Result<Self, InvalidRecord> {
        let mut log = Self::default();
        for record in records {
            log.add(record, now)?;
        }
        Ok(log)
    }

    /// Adds a record as written (a seed, the admin route); its date must be RFC 3339.
    pub(crate) fn add(
        &mut self,
        record: SeedAuditRecord,
        now: OffsetDateTime,
    ) -> Result<(), InvalidRecord> {
        if !is_guid(&record.customer_id) {
            return Err(InvalidRecord::CustomerId(record.customer_id));
        }
        let date = parse_date(&record)?;
        self.append(date, record, now);
        Ok(())
    }

    /// Adds the record of a change made at `date`, unless it is older than the log keeps, and
    /// forgets those that have grown too old since.
    pub(crate) fn append(
        &mut self,
        date: OffsetDateTime,
        record: SeedAuditRecord,
        now: OffsetDateTime,
    ) {
        let oldest = horizon(now);
        if self.pruned_to != Some(oldest) {
            self.stored.retain(|stored| stored.date >= oldest);
            self.pruned_to = Some(oldest);
        }
        if date >= oldest {
            self.last_seq += 1;
            self.stored.push(Stored {
                seq: self.last_seq,
                date,
                record,
            });
        }
    }

    /// Every record kept, in the order they joined the log.
    pub(crate) fn records(&self) -> Vec<SeedAuditRecord> {
        self.stored.iter().map(|s| s.record.clone()).collect()
    }

    pub(crate) fn page(&self, search: &Search) -> AuditPage {
        let snapshot = search.from.map_or(self.last_seq, |c| c.snapshot);
        let offset = search.from.map_or(0, |c| c.offset);
        let mut matching: Vec<&Stored> = self
            .stored
            .iter()
            .filter(|s| {
                s.seq <= snapshot
                    && (search.start..=search.end).contains(&s.date)
                    && search.filter.as_ref().is_none_or(|f| f.matches(&s.record))
            })
            .collect();
        match search.order {
            AuditOrder::OldestFirst => matching.sort_by_key(|s| (s.date, s.seq)),
            AuditOrder::NewestFirst => {
                matching.sort_by_key(|s| std::cmp::Reverse((s.date, s.seq)));
            }
            AuditOrder::Shuffled => matching.shuffle(&mut StdRng::seed_from_u64(search.seed)),
        }
        let records = matching
            .iter()
            .skip(offset)
            .take(search.size)
            .map(|s| (s.seq, s.record.clone()))
            .collect();
        let reached = offset.saturating_add(search.size);
        AuditPage {
            records,
            next: (reached < matching.len()).then_some(Continuation {
                snapshot,
                offset: reached,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Actor;
    use crate::wire::Qualification;

    const SCHOOL: &str = "0c39d6d5-c70d-4c55-bc02-f620844f3fd1";
    const AGENCY: &str = "4f5c1e2a-9f4b-4a8e-9d3c-2b7a6e1d0c11";

    fn now() -> OffsetDateTime {
        OffsetDateTime::parse("2026-05-20T12:00:00Z", &Rfc3339).expect("date")
    }

    fn record(customer: &str, days_ago: i64, user: &str) -> SeedAuditRecord {
        SeedAuditRecord::qualification_change(
            customer,
            &[],
            &[Qualification::Education],
            Actor::user(user),
            (now() - Duration::days(days_ago)).into(),
        )
    }

    fn search(order: AuditOrder, size: usize) -> Search {
        Search {
            start: now() - MAX_WINDOW,
            end: now(),
            filter: None,
            order,
            seed: 7,
            size,
            from: None,
        }
    }

    fn users(page: &AuditPage) -> Vec<String> {
        page.records
            .iter()
            .map(|(_, r)| r.user_principal_name.clone().unwrap_or_default())
            .collect()
    }

    /// Records 3, 1 and 2 days old, added in that order, and one of another customer.
    fn log() -> AuditLog {
        let records = vec![
            record(SCHOOL, 3, "a"),
            record(SCHOOL, 1, "c"),
            record(SCHOOL, 2, "b"),
            record(AGENCY, 1, "other"),
        ];
        AuditLog::from_records(records, now()).expect("valid")
    }

    #[test]
    fn each_order_and_the_filters() {
        let log = log();
        let school = |order| Search {
            filter: Some(Filter::CustomerId(SCHOOL.to_uppercase())),
            ..search(order, 10)
        };
        assert_eq!(
            users(&log.page(&school(AuditOrder::NewestFirst))),
            ["c", "b", "a"]
        );
        assert_eq!(
            users(&log.page(&school(AuditOrder::OldestFirst))),
            ["a", "b", "c"]
        );
        let shuffled = users(&log.page(&school(AuditOrder::Shuffled)));
        assert_eq!(
            shuffled,
            users(&log.page(&school(AuditOrder::Shuffled))),
            "seeded"
        );
        let mut sorted = shuffled.clone();
        sorted.sort();
        assert_eq!(sorted, ["a", "b", "c"]);
        let seeds: std::collections::HashSet<Vec<String>> = (0..20)
            .map(|seed| {
                users(&log.page(&Search {
                    seed,
                    ..school(AuditOrder::Shuffled)
                }))
            })
            .collect();
        assert!(seeds.len() > 1, "the seed changes the order");

        let mut named = record(AGENCY, 1, "named");
        named.customer_name = Some("Fabrikam County Agency".to_owned());
        named.resource_type = "order".to_owned();
        let mut log = log;
        log.add(named, now()).expect("valid");
        let by = |filter| Search {
            filter: Some(filter),
            ..search(AuditOrder::OldestFirst, 10)
        };
        assert_eq!(
            users(&log.page(&by(Filter::CompanyName("COUNTY".to_owned())))),
            ["named"]
        );
        assert_eq!(
            users(&log.page(&by(Filter::ResourceType("Order".to_owned())))),
            ["named"]
        );
    }

    #[test]
    fn a_window_includes_both_ends() {
        let log = log();
        let from = |start_days: i64, end_days: i64| Search {
            start: now() - Duration::days(start_days),
            end: now() - Duration::days(end_days),
            ..search(AuditOrder::OldestFirst, 10)
        };
        assert_eq!(users(&log.page(&from(2, 1))), ["b", "c", "other"]);
        assert_eq!(users(&log.page(&from(3, 3))), ["a"]);
        assert!(log.page(&from(30, 4)).records.is_empty());
    }

    #[test]
    fn pages_follow_a_snapshot() {
        let mut log = log();
        let first = log.page(&search(AuditOrder::OldestFirst, 2));
        assert_eq!(users(&first), ["a", "b"]);
        let next = first.next.expect("more follow");
        assert_eq!(Continuation::from_token(&next.token()), Some(next));
        // A change made meanwhile, newer than all: not on the pages of this listing.
        log.append(now(), record(SCHOOL, 0, "late"), now());
        let second = log.page(&Search {
            from: Some(next),
            ..search(AuditOrder::OldestFirst, 2)
        });
        assert_eq!(users(&second), ["c", "other"]);
        assert_eq!(second.next, None);
        assert_eq!(
            users(&log.page(&search(AuditOrder::OldestFirst, 10)))
                .last()
                .map(String::as_str),
            Some("late"),
            "a new listing sees it"
        );
        for foreign in [
            "",
            "sandbox-audit",
            "sandbox-audit.x.1",
            "sandbox-continuation.2.x",
        ] {
            assert_eq!(Continuation::from_token(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn ninety_days_are_kept_and_dates_are_checked() {
        let mut log = log();
        assert_eq!(
            horizon(now()),
            OffsetDateTime::parse("2026-02-19T00:00:00Z", &Rfc3339).expect("date")
        );
        log.add(record(SCHOOL, 89, "kept"), now()).expect("valid");
        log.add(record(SCHOOL, 91, "gone"), now()).expect("valid");
        let kept: Vec<String> = log
            .records()
            .into_iter()
            .filter_map(|r| r.user_principal_name)
            .collect();
        assert_eq!(kept, ["a", "c", "b", "other", "kept"]);
        // Two days later, the 89-day-old record is 91 days old: the next change forgets it.
        let later = now() + Duration::days(2);
        let mut new = record(SCHOOL, 0, "new");
        new.operation_date = rfc3339(later);
        log.add(new, later).expect("valid");
        assert_eq!(log.records().len(), 5);
        assert!(
            log.records()
                .iter()
                .all(|r| r.user_principal_name.as_deref() != Some("kept"))
        );
        let mut bad = record(SCHOOL, 1, "x");
        bad.operation_date = "yesterday".to_owned();
        assert_eq!(
            log.add(bad, now()),
            Err(InvalidRecord::Date("yesterday".to_owned()))
        );
        assert_eq!(
            log.add(record("x", 1, "x"), now()),
            Err(InvalidRecord::CustomerId("x".to_owned()))
        );
        assert_eq!(
            AuditSettings {
                page_size: 0,
                ..AuditSettings::default()
            }
            .validate(),
            Err(InvalidAuditSettings::PageSize)
        );
    }
}
