//! Time is passed in, never read inside rules: the store asks its clock once
//! per transaction, and tests and the demo generator set it.

use chrono::{DateTime, SecondsFormat, Utc};
use std::sync::{Arc, Mutex};

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// A scripted clock (`PARTNERDESK_NOW`): each process starts again from
    /// the same set time, so a write takes a time after the database's last
    /// one (see `Store::write`) and the records of a script stay in order.
    fn scripted(&self) -> bool {
        false
    }
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The clock of the binaries: the wall clock, or, when `PARTNERDESK_NOW`
/// is set (RFC 3339), that time advancing from the moment the process read
/// it, so scripted tests and demos can move through time.
pub fn from_env() -> crate::error::Result<Arc<dyn Clock>> {
    match std::env::var("PARTNERDESK_NOW") {
        Ok(text) if !text.trim().is_empty() => {
            let at = DateTime::parse_from_rfc3339(text.trim())
                .map_err(|_| {
                    crate::error::Error::validation(
                        "PARTNERDESK_NOW",
                        format!("must be an RFC 3339 time like 2026-04-01T09:00:00Z (got {text:?})"),
                    )
                })?
                .with_timezone(&Utc);
            Ok(Arc::new(OffsetClock {
                base: at,
                started: std::time::Instant::now(),
            }))
        }
        _ => Ok(Arc::new(SystemClock)),
    }
}

/// A set time advancing with the wall clock's elapsed time.
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock {
    base: DateTime<Utc>,
    started: std::time::Instant,
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        self.base + chrono::Duration::from_std(self.started.elapsed()).unwrap_or_default()
    }
    fn scripted(&self) -> bool {
        true
    }
}

/// A clock the caller sets; cloning shares the same time.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(at)))
    }
    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = at;
    }
    pub fn advance(&self, by: chrono::Duration) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *t += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The one text form of a time in the database: fixed-width RFC 3339 UTC
/// with milliseconds, so text order is time order.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.to_rfc3339_opts(SecondsFormat::Millis, true);
    }
    // The same text as `to_rfc3339_opts(Millis, true)`, without its general
    // formatting machinery: bulk paths format millions of times.
    fn put(dst: &mut [u8], mut v: u32) {
        for d in dst.iter_mut().rev() {
            *d = b'0' + (v % 10) as u8;
            v /= 10;
        }
    }
    let mut b = *b"0000-00-00T00:00:00.000Z";
    put(&mut b[0..4], year as u32);
    put(&mut b[5..7], t.month());
    put(&mut b[8..10], t.day());
    put(&mut b[11..13], t.hour());
    put(&mut b[14..16], t.minute());
    put(&mut b[17..19], t.second());
    put(&mut b[20..23], t.timestamp_subsec_millis().min(999));
    b.iter().map(|&c| c as char).collect()
}

pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn fmt_time_matches_rfc3339_millis() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Any millisecond between 1970 and about 2100.
            let ms = (x % 4_102_444_800_000) as i64;
            let t = Utc.timestamp_millis_opt(ms).unwrap();
            assert_eq!(fmt_time(t), t.to_rfc3339_opts(SecondsFormat::Millis, true));
        }
        let far = Utc.with_ymd_and_hms(12_000, 1, 2, 3, 4, 5).unwrap();
        assert_eq!(fmt_time(far), far.to_rfc3339_opts(SecondsFormat::Millis, true));
        assert_eq!(
            fmt_time(Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()),
            "2026-03-01T12:00:00.000Z"
        );
    }
}
