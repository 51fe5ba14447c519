//! The demo data generator: a reproducible, real-looking partner program
//! spread over the 24 months before the store's clock.
//!
//! It replays history through the same rules as the interactive path: the
//! pipeline rule ([`check_move`]) for every move, the commission at the
//! partner's tier rate at the moment of the win ([`apply_rate`]), automatic
//! promotion after each win ([`Settings::tier_for`]), cancel or clawback on
//! a reopen, and monthly payout batches of the approved commissions. It
//! writes the final rows in bulk (one transaction, prepared statements,
//! secondary indexes rebuilt at the end) so the reference set of 100,000
//! partners and 2,000,000 leads takes seconds, and totals are recomputed
//! from the commissions with the same SQL the invariants check.
//!
//! Audit: the demo is one user action; it writes one `database/demo` row,
//! a `create` row per partner and a `promote` row per tier change. Leads,
//! moves and commissions of the demo are not audited row by row (their
//! history is in `lead_status_history` and the commissions themselves).

use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::*;
use crate::money::apply_rate;
use crate::store::{repo, Store, Tx};
use crate::workflow::leads::check_move;
use crate::workflow::plans::render_proposal;
use crate::workflow::settings::{self, Settings};
use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use rand::{Rng, RngCore, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rusqlite::params;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DemoOptions {
    pub partners: usize,
    pub leads: usize,
    pub seed: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, Default)]
pub struct DemoReport {
    pub applications: u64,
    pub partners: u64,
    pub leads: u64,
    pub moves: u64,
    pub commissions: u64,
    pub payouts: u64,
    pub plans: u64,
    pub promotions: u64,
}

/// Progress of long work: `done` of `total` in the named stage.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Progress {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

pub const MAX_PARTNERS: usize = 1_000_000;
pub const MAX_LEADS: usize = 20_000_000;
const MONTHS: i64 = 24;

const FIRST: &[&str] = &[
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Oliver",
    "Sophia",
    "Elijah",
    "Isabella",
    "James",
    "Mia",
    "William",
    "Amelia",
    "Benjamin",
    "Harper",
    "Lucas",
    "Evelyn",
    "Henry",
    "Abigail",
    "Theodore",
    "Emily",
    "Jack",
    "Ella",
    "Levi",
    "Elizabeth",
    "Alexander",
    "Camila",
    "Jackson",
    "Luna",
    "Mateo",
    "Sofia",
    "Daniel",
    "Avery",
    "Michael",
    "Mila",
    "Mason",
    "Aria",
    "Sebastian",
    "Scarlett",
    "Ethan",
    "Penelope",
    "Logan",
    "Layla",
    "Owen",
    "Chloe",
    "Samuel",
    "Victoria",
    "Jacob",
    "Madison",
    "Asher",
    "Eleanor",
    "Aiden",
    "Grace",
    "John",
    "Nora",
    "Joseph",
    "Riley",
    "Wyatt",
    "Zoey",
    "David",
    "Hannah",
    "Leo",
    "Hazel",
    "Luke",
    "Lily",
    "Julian",
    "Ellie",
    "Hudson",
    "Violet",
    "Grayson",
    "Lillian",
    "Matthew",
    "Zoe",
    "Ezra",
    "Stella",
    "Gabriel",
    "Aurora",
    "Carter",
    "Natalie",
    "Isaac",
    "Emilia",
    "Jayden",
    "Everly",
    "Anthony",
    "Leah",
    "Dylan",
    "Aubrey",
    "Lincoln",
    "Willow",
    "Thomas",
    "Addison",
    "Maya",
    "Priya",
    "Arjun",
    "Wei",
    "Yuki",
    "Fatima",
    "Omar",
    "Ingrid",
    "Lars",
    "Chiara",
    "Marco",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Gomez",
    "Phillips",
    "Evans",
    "Turner",
    "Diaz",
    "Parker",
    "Cruz",
    "Edwards",
    "Collins",
    "Reyes",
    "Stewart",
    "Morris",
    "Morales",
    "Murphy",
    "Cook",
    "Rogers",
    "Gutierrez",
    "Ortiz",
    "Morgan",
    "Cooper",
    "Peterson",
    "Bailey",
    "Reed",
    "Kelly",
    "Howard",
    "Ramos",
    "Kim",
    "Cox",
    "Ward",
    "Richardson",
    "Watson",
    "Brooks",
    "Chavez",
    "Wood",
    "James",
    "Bennett",
    "Gray",
    "Mendoza",
    "Ruiz",
    "Hughes",
    "Price",
    "Alvarez",
    "Castillo",
    "Sanders",
    "Patel",
    "Myers",
    "Long",
    "Ross",
    "Foster",
    "Chen",
];
const ADJ: &[&str] = &[
    "Bright",
    "Blue",
    "Golden",
    "Silver",
    "Green",
    "Swift",
    "North",
    "Summit",
    "Harbor",
    "Cedar",
    "Maple",
    "Iron",
    "Clear",
    "True",
    "Bold",
    "Prime",
    "Urban",
    "Coastal",
    "Pine",
    "Red",
    "Open",
    "Peak",
    "Stone",
    "River",
    "Sunny",
    "Oak",
    "Metro",
    "Lake",
    "Valley",
    "Atlas",
    "Nova",
    "Civic",
    "Quiet",
    "Rapid",
    "Royal",
    "Bay",
    "Alpine",
    "Canyon",
    "Crystal",
    "Evergreen",
];
const NOUN: &[&str] = &[
    "Leaf", "Fox", "Bridge", "Path", "Spark", "Wave", "Field", "Crest", "Lantern", "Anchor", "Arrow", "Beacon",
    "Forge", "Harvest", "Compass", "Orchard", "Falcon", "Meadow", "Signal", "Garden", "Tide", "Ember", "Grove",
    "Point", "Hive", "Mill", "Studio", "Works", "Labs", "Square",
];
const BIZ: &[&str] = &[
    "Bakery",
    "Dental",
    "Fitness",
    "Realty",
    "Logistics",
    "Clinic",
    "Coffee",
    "Outfitters",
    "Legal",
    "Consulting",
    "Motors",
    "Salon",
    "Kitchen",
    "Pharmacy",
    "Academy",
    "Travel",
    "Insurance",
    "Brewing",
    "Florist",
    "Veterinary",
    "Plumbing",
    "Architects",
    "Boutique",
    "Yoga",
    "Accounting",
    "Auto Repair",
    "Hotel",
    "Farms",
    "Media",
    "Events",
];
const AGENCY: &[&str] = &[
    "Digital",
    "Partners",
    "Group",
    "Collective",
    "Ventures",
    "Advisors",
    "Agency",
    "Consulting",
    "Solutions",
    "Network",
];
const INDUSTRY: &[&str] = &[
    "Retail",
    "Healthcare",
    "Hospitality",
    "Real estate",
    "Logistics",
    "Education",
    "Finance",
    "Fitness",
    "Food and drink",
    "Professional services",
    "Travel",
    "Automotive",
];
const NEEDS: &[&str] = &[
    "a customer app with online booking",
    "an ordering app with loyalty points",
    "a field-staff app that works offline",
    "a patient portal with appointment reminders",
    "a marketplace for local customers",
    "an internal dashboard for sales",
    "a membership app with payments",
    "a delivery tracking app",
    "a client portal with document sharing",
];
const FEATURES: &[&str] = &[
    "Login",
    "Payments",
    "Booking",
    "Chat",
    "Push notifications",
    "Maps",
    "Analytics",
    "Catalog",
    "Admin console",
    "Offline mode",
    "Loyalty points",
    "Reviews",
];

fn pick<'a, R: Rng>(rng: &mut R, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

/// A UUID v7 for `at` whose random bits come from the seeded generator.
fn seeded_uuid<R: RngCore>(rng: &mut R, at: DateTime<Utc>) -> uuid::Uuid {
    let mut bytes = [0u8; 10];
    rng.fill_bytes(&mut bytes);
    uuid::Builder::from_unix_timestamp_millis(at.timestamp_millis().max(0) as u64, &bytes).into_uuid()
}

fn slug(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

/// Exponential waiting time in days with the given mean.
fn wait_days<R: Rng>(rng: &mut R, mean: f64) -> Duration {
    let u: f64 = rng.random_range(f64::EPSILON..1.0);
    let days = -mean * u.ln();
    Duration::seconds((days.min(400.0) * 86_400.0) as i64 + 60)
}

struct DemoPartner {
    id: PartnerId,
    app_id: ApplicationId,
    name: String,
    email: String,
    phone: String,
    company: String,
    status: PartnerStatus,
    approved: DateTime<Utc>,
    applied: DateTime<Utc>,
    weight: f64,
    tier: Tier,
    deals: i64,
    revenue: i64,
}

struct DemoLead {
    partner: usize,
    created: DateTime<Utc>,
    moves: Vec<(LeadStatus, DateTime<Utc>, bool)>,
    estimated: i64,
    won_value: i64,
}

struct DemoCommission {
    lead: usize,
    kind: CommissionKind,
    amount: i64,
    rate: i64,
    value: i64,
    created: DateTime<Utc>,
    status: CommissionStatus,
    approved_at: Option<DateTime<Utc>>,
    paid_at: Option<DateTime<Utc>>,
    payout: Option<usize>,
    updated: DateTime<Utc>,
}

/// First instant of the month after `t`.
fn next_month_start(t: DateTime<Utc>) -> DateTime<Utc> {
    let (y, m) = if t.month() == 12 {
        (t.year() + 1, 1)
    } else {
        (t.year(), t.month() + 1)
    };
    Utc.with_ymd_and_hms(y, m, 1, 9, 0, 0).single().unwrap_or(t)
}

/// Generate the data set into `store` in one transaction. `progress` is
/// called now and then; returning false cancels and nothing is kept.
pub fn generate(store: &Store, opts: &DemoOptions, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<DemoReport> {
    if opts.partners == 0 || opts.partners > MAX_PARTNERS {
        return Err(Error::validation(
            "partners",
            format!("must be between 1 and {MAX_PARTNERS}"),
        ));
    }
    if opts.leads > MAX_LEADS {
        return Err(Error::validation("leads", format!("must be at most {MAX_LEADS}")));
    }
    let now = store.now();
    let settings = store.read(settings::load)?;
    store.release_readers();
    store.with_writer(|conn| {
        // A bulk load is cheaper with a rollback journal than through the WAL;
        // both are atomic. Switch back afterwards whatever happens.
        let switched = conn
            .query_row("PRAGMA journal_mode = TRUNCATE", [], |r| r.get::<_, String>(0))
            .map(|m| m.eq_ignore_ascii_case("truncate"))
            .unwrap_or(false);
        // Every reference is made by construction here (and checked by the
        // invariants in the tests): skip the per-row foreign-key look-ups, keep
        // the working set in memory and let the index sorts use both cores.
        // A 1 GB page cache: a larger one only postpones the writes to the commit.
        conn.execute_batch("PRAGMA foreign_keys = OFF; PRAGMA cache_size = -1000000; PRAGMA threads = 2;")?;
        // The leads are written into a scratch file by a second thread, then
        // copied in (see `write_leads`); it is attached before the transaction.
        let scratch = scratch_path(store.path(), opts.leads as u64);
        let result = (|| {
            let _ = std::fs::remove_file(&scratch);
            std::fs::File::create(&scratch).map_err(|e| Error::io(format!("creating {}", scratch.display()), e))?;
            crate::store::make_private_file(&scratch)?;
            conn.execute("ATTACH DATABASE ?1 AS demo_leads", [scratch.to_string_lossy()])?;
            // Deferred, not immediate: IMMEDIATE would lock the attached
            // scratch file too, which the lead writer must write. The first
            // statement below writes the main file, which takes its lock.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Deferred)?;
            tx.execute_batch("DELETE FROM main.analytics_snapshots WHERE 0")?;
            let tx = Tx::wrap(tx, now);
            // Pages SQLite writes before the commit (cache spills) are handed to
            // the disk as the run goes, so the commit's sync has little left.
            let flusher = EarlyFlush::start(store.path());
            let report = build(&tx, &settings, opts, now, &scratch, progress);
            drop(flusher);
            let report = report?;
            tx.commit()?;
            Ok(report)
        })();
        let _ = conn.execute_batch("DETACH DATABASE demo_leads");
        let _ = std::fs::remove_file(&scratch);
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536; PRAGMA threads = 0;")?;
        if switched {
            conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0))?;
        }
        result
    })
}

/// A thread that asks the OS every two seconds to write the database file's
/// dirty pages to the disk (`fdatasync` on its own handle), until dropped.
/// It changes nothing SQLite relies on: rows become durable at the commit, as
/// always; this only starts the disk's work early, while the CPUs are busy.
struct EarlyFlush {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EarlyFlush {
    fn start(path: &std::path::Path) -> EarlyFlush {
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let path = path.to_path_buf();
        let thread = std::thread::spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                rx.recv_timeout(std::time::Duration::from_secs(2))
            {
                if let Ok(f) = std::fs::File::open(&path) {
                    let _ = f.sync_data();
                }
            }
        });
        EarlyFlush {
            stop: Some(tx),
            thread: Some(thread),
        }
    }
}

impl Drop for EarlyFlush {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The scratch file the lead-writing thread fills: in shared memory where
/// there is one with room for `leads` (it is thrown away after the copy, so
/// it never needs to reach a disk), otherwise next to the database.
fn scratch_path(db: &std::path::Path, leads: u64) -> std::path::PathBuf {
    // Unique per run: several stores may generate at once in one process.
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let unique = format!("{}-{}", std::process::id(), RUNS.fetch_add(1, Ordering::Relaxed));
    let shm = std::path::Path::new("/dev/shm");
    if shm.is_dir() {
        remove_stale_scratch(shm);
        if scratch_fits(free_bytes(shm), leads) {
            return shm.join(format!("partnerdesk-{unique}-demo-leads.db"));
        }
    }
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".demo-leads-{unique}"));
    db.with_file_name(name)
}

/// The scratch file of `leads` leads with their indexes: about 250 bytes a
/// lead on the reference set; room for 400 and 64 MB to spare is asked for.
/// (Docker's default /dev/shm is 64 MB: a large demo goes next to the database.)
fn scratch_fits(free: Option<u64>, leads: u64) -> bool {
    free.is_some_and(|free| free >= leads.saturating_mul(400).saturating_add(64 << 20))
}

/// Free bytes of the file system holding `dir` (for an unprivileged user).
fn free_bytes(dir: &std::path::Path) -> Option<u64> {
    let st = rustix::fs::statvfs(dir).ok()?;
    Some(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Scratch files in shared memory of runs whose process is gone (killed
/// mid-run): they would hold memory until the next reboot.
fn remove_stale_scratch(shm: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(shm) else { return };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix("partnerdesk-")
            .filter(|n| n.ends_with("-demo-leads.db"))
            .and_then(|n| n.split('-').next())
        else {
            continue;
        };
        if pid.parse::<u32>().is_ok() && !std::path::Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

fn build(
    tx: &Tx,
    settings: &Settings,
    opts: &DemoOptions,
    now: DateTime<Utc>,
    scratch: &std::path::Path,
    progress: &mut dyn FnMut(&Progress) -> bool,
) -> Result<DemoReport> {
    let mut rng = Pcg64Mcg::seed_from_u64(opts.seed);
    let start = now - Duration::days(MONTHS * 365 / 12);
    let span = (now - start).num_seconds() as f64;
    let mut report = DemoReport::default();
    let mut tick = |stage: &str, done: usize, total: usize| -> Result<()> {
        if progress(&Progress {
            stage: stage.into(),
            done: done as u64,
            total: total as u64,
        }) {
            Ok(())
        } else {
            Err(Error::Cancelled)
        }
    };

    // Partners, growing over time; a few applications still open or rejected.
    tick("partners", 0, opts.partners)?;
    let mut taken_emails: std::collections::HashSet<String> = {
        let mut stmt = tx.prepare("SELECT email FROM partners")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let mut partners: Vec<DemoPartner> = Vec::with_capacity(opts.partners);
    for i in 0..opts.partners {
        let first = pick(&mut rng, FIRST);
        let last = pick(&mut rng, LAST);
        let company = format!("{} {}", pick(&mut rng, ADJ), pick(&mut rng, AGENCY));
        let domain = format!("{}.com", slug(&company));
        let base = format!("{}.{}", slug(first), slug(last));
        let mut email = format!("{base}@{domain}");
        let mut n = 1;
        while !taken_emails.insert(email.clone()) {
            n += 1;
            email = format!("{base}{n}@{domain}");
        }
        let approved = start + Duration::seconds((rng.random::<f64>().powf(0.75) * span * 0.97) as i64);
        let applied = approved - wait_days(&mut rng, 4.0);
        let status = match rng.random_range(0..100) {
            0..=89 => PartnerStatus::Active,
            90..=96 => PartnerStatus::Paused,
            _ => PartnerStatus::Terminated,
        };
        let weight = (rng.random::<f64>() * 2.2).exp();
        partners.push(DemoPartner {
            id: PartnerId(uuid::Uuid::nil()),
            app_id: ApplicationId(uuid::Uuid::nil()),
            name: format!("{first} {last}"),
            email,
            phone: format!(
                "+1 555 {:03} {:04}",
                rng.random_range(100..999),
                rng.random_range(0..10_000)
            ),
            company,
            status,
            approved,
            applied,
            weight,
            tier: Tier::Bronze,
            deals: 0,
            revenue: 0,
        });
        if i % 50_000 == 0 {
            tick("partners", i, opts.partners)?;
        }
    }
    partners.sort_by_key(|p| p.approved);
    for p in partners.iter_mut() {
        p.app_id = ApplicationId(seeded_uuid(&mut rng, p.applied));
        p.id = PartnerId(seeded_uuid(&mut rng, p.approved));
    }

    // Leads: partners with more weight refer more; each lead walks the pipeline
    // until `now`.
    let mut cumulative = Vec::with_capacity(partners.len());
    let mut acc = 0.0;
    for p in &partners {
        acc += p.weight;
        cumulative.push(acc);
    }
    let mut leads: Vec<DemoLead> = Vec::with_capacity(opts.leads);
    for i in 0..opts.leads {
        let x = rng.random::<f64>() * acc;
        let pi = cumulative.partition_point(|&c| c < x).min(partners.len() - 1);
        let p = &partners[pi];
        let window = (now - p.approved).num_seconds().max(3_600) as f64;
        let created = p.approved + Duration::seconds((rng.random::<f64>().powf(0.9) * window) as i64);
        let estimated = ((rng.random::<f64>() * 1.6 + 8.9).exp() / 100.0).round() as i64 * 10_000;
        let mut moves = vec![(LeadStatus::Prospect, created, false)];
        let mut t = created;
        let mut status = LeadStatus::Prospect;
        let win_skill = 0.28 + 0.08 * (p.weight.ln() / 2.2);
        loop {
            t += wait_days(&mut rng, 9.0);
            if t >= now {
                break;
            }
            let next = match status {
                LeadStatus::Prospect => {
                    if rng.random_bool(0.25) {
                        LeadStatus::ClosedLost
                    } else if rng.random_bool(0.1) {
                        LeadStatus::ProposalSent
                    } else {
                        LeadStatus::Qualified
                    }
                }
                LeadStatus::Qualified => {
                    if rng.random_bool(0.2) {
                        LeadStatus::ClosedLost
                    } else {
                        LeadStatus::ProposalSent
                    }
                }
                LeadStatus::ProposalSent => {
                    if rng.random_bool(0.3) {
                        LeadStatus::ClosedLost
                    } else if rng.random_bool(0.2) {
                        LeadStatus::ClosedWon
                    } else {
                        LeadStatus::Negotiating
                    }
                }
                LeadStatus::Negotiating => {
                    if rng.random_bool(win_skill.clamp(0.1, 0.9) + 0.3) {
                        LeadStatus::ClosedWon
                    } else {
                        LeadStatus::ClosedLost
                    }
                }
                _ => break,
            };
            check_move(status, next)?;
            moves.push((next, t, false));
            status = next;
            if status.is_closed() {
                break;
            }
        }
        leads.push(DemoLead {
            partner: pi,
            created,
            moves,
            estimated,
            won_value: 0,
        });
        if i % 100_000 == 0 {
            tick("leads", i, opts.leads)?;
        }
    }
    leads.sort_by_key(|l| l.created);

    // Wins in time order: commission at the tier rate of that moment, then
    // promotion; a few won deals are reopened later (cancel or clawback).
    let mut wins: Vec<(DateTime<Utc>, usize)> = leads
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            l.moves
                .last()
                .filter(|m| m.0 == LeadStatus::ClosedWon)
                .map(|m| (m.1, i))
        })
        .collect();
    wins.sort();
    let mut commissions: Vec<DemoCommission> = Vec::with_capacity(wins.len() + wins.len() / 50);
    let mut promotions: Vec<(usize, Tier, Tier, DateTime<Utc>)> = Vec::new();
    let mut reopens: Vec<(DateTime<Utc>, usize, usize)> = Vec::new(); // (when, lead, commission)
    for &(at, li) in &wins {
        let l = &mut leads[li];
        let value = (l.estimated as f64 * rng.random_range(0.8..1.2) / 10_000.0)
            .round()
            .max(1.0) as i64
            * 10_000;
        l.won_value = value;
        let p = &mut partners[l.partner];
        let rate = settings.rate(p.tier);
        let age = (now - at).num_days();
        let ci = commissions.len();
        let approved_at = at + wait_days(&mut rng, 10.0);
        let mut c = DemoCommission {
            lead: li,
            kind: CommissionKind::Commission,
            amount: apply_rate(value, rate),
            rate,
            value,
            created: at,
            status: CommissionStatus::Pending,
            approved_at: None,
            paid_at: None,
            payout: None,
            updated: at,
        };
        if rng.random_bool(0.015) && age > 3 {
            c.status = CommissionStatus::Cancelled;
            c.updated = at + Duration::days(rng.random_range(1..=age.min(20)));
        } else if approved_at < now {
            c.status = CommissionStatus::Approved;
            c.approved_at = Some(approved_at);
            c.updated = approved_at;
        }
        commissions.push(c);
        if commissions[ci].status != CommissionStatus::Cancelled {
            p.deals += 1;
            p.revenue += value;
            let target = settings.tier_for(p.deals, p.revenue);
            if target > p.tier {
                promotions.push((l.partner, p.tier, target, at));
                p.tier = target;
            }
        }
        if rng.random_bool(0.006) && commissions[ci].status != CommissionStatus::Cancelled {
            let when = at + wait_days(&mut rng, 45.0);
            if when < now {
                reopens.push((when, li, ci));
            }
        }
    }

    // Monthly payout batches of everything approved by the first of the month.
    let mut payout_dates = Vec::new();
    let mut d = next_month_start(start);
    while d < now {
        payout_dates.push(d);
        d = next_month_start(d);
    }
    let mut payout_totals = vec![(0i64, 0i64); payout_dates.len()];
    let pay = |c: &mut DemoCommission, payout_totals: &mut Vec<(i64, i64)>, until: DateTime<Utc>| {
        if let Some(a) = c.approved_at.filter(|_| c.status == CommissionStatus::Approved) {
            let bi = payout_dates.partition_point(|&pd| pd <= a);
            if bi < payout_dates.len() && payout_dates[bi] < until {
                c.status = CommissionStatus::Paid;
                c.paid_at = Some(payout_dates[bi]);
                c.payout = Some(bi);
                c.updated = payout_dates[bi];
                payout_totals[bi].0 += c.amount;
                payout_totals[bi].1 += 1;
            }
        }
    };
    reopens.sort();
    let reopened: std::collections::HashMap<usize, (DateTime<Utc>, usize)> =
        reopens.iter().map(|&(w, li, ci)| (ci, (w, li))).collect();
    let base_count = commissions.len();
    for ci in 0..base_count {
        let until = reopened.get(&ci).map(|r| r.0).unwrap_or(now);
        let c = &mut commissions[ci];
        pay(c, &mut payout_totals, until);
        let Some(&(when, li)) = reopened.get(&ci) else { continue };
        let p = &mut partners[leads[li].partner];
        p.deals -= 1;
        p.revenue -= c.value;
        check_move(LeadStatus::ClosedWon, LeadStatus::Negotiating)?;
        leads[li].moves.push((LeadStatus::Negotiating, when, true));
        if c.status == CommissionStatus::Paid {
            let claw = DemoCommission {
                lead: li,
                kind: CommissionKind::Clawback,
                amount: -c.amount,
                rate: c.rate,
                value: c.value,
                created: when,
                status: CommissionStatus::Pending,
                approved_at: None,
                paid_at: None,
                payout: None,
                updated: when,
            };
            commissions.push(claw);
        } else {
            c.status = CommissionStatus::Cancelled;
            c.approved_at = None;
            c.updated = when;
        }
    }
    // Pay approved ones created after a reopen's window too (already handled above);
    // the last months stay approved or pending, as in a live program.

    let currency = settings.currency.clone();

    // Leads: a second thread writes them, with their indexes, into the
    // scratch file while this one writes everything else; then one
    // INSERT ... SELECT copies the table and its indexes in (SQLite's transfer
    // path: pages in key order, no re-sort, when client_leads is empty).
    let lead_ids: Vec<LeadId> = leads.iter().map(|l| LeadId(seeded_uuid(&mut rng, l.created))).collect();
    let plan_pick: Vec<bool> = leads
        .iter()
        .map(|l| l.moves.iter().any(|m| m.0 == LeadStatus::ProposalSent) && rng.random_bool(0.02))
        .collect();
    // The text-search indexes are rebuilt by the first search afterwards: a
    // trigger per row would cost more and disable the leads' transfer path.
    crate::store::search::drop(tx)?;
    let lead_schema: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT sql FROM main.sqlite_master WHERE tbl_name = 'client_leads' AND sql IS NOT NULL
               AND type IN ('table', 'index')
             ORDER BY type = 'table' DESC, name",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let written = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let plan_names = std::thread::scope(|scope| -> Result<Vec<(String, String)>> {
        let writer = scope.spawn(|| {
            write_leads(
                scratch,
                &lead_schema,
                &leads,
                &partners,
                &lead_ids,
                &plan_pick,
                opts.seed,
                &written,
                &stop,
            )
        });
        let here = (|| -> Result<()> {
            // ---- write ----
            // Rows go in in time order. Indexes whose keys follow that order grow at
            // their right edge as rows arrive, which is cheaper than a sort afterwards;
            // the others are dropped here and built once at the end.
            let secondary = crate::store::drop_secondary_indexes(
                tx,
                &["partner_applications", "partners", "lead_status_history", "commissions"],
                &["partners_created", "lead_status_history_lead"],
            )?;

            tick("writing partners", 0, partners.len())?;
            {
                let mut app_stmt = tx.prepare(
                    "INSERT INTO partner_applications (id, name, email, phone, company, network_description, expected_referrals, experience_level, status, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?;
                let mut p_stmt = tx.prepare(
                    "INSERT INTO partners (id, application_id, name, email, phone, company, status, tier, total_deals, total_earnings, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, ?9, ?9)",
                )?;
                for (i, p) in partners.iter().enumerate() {
                    let network = format!(
                        "{} clients in {}",
                        pick(
                            &mut rng,
                            &["Small-business", "Agency", "Local", "Enterprise", "Startup"]
                        ),
                        pick(&mut rng, INDUSTRY).to_lowercase()
                    );
                    let exp = *[
                        ExperienceLevel::Beginner,
                        ExperienceLevel::Intermediate,
                        ExperienceLevel::Expert,
                    ]
                    .get(rng.random_range(0..3))
                    .unwrap_or(&ExperienceLevel::Beginner);
                    let applied = fmt_time(p.applied);
                    let approved = fmt_time(p.approved);
                    app_stmt.execute(params![
                        p.app_id,
                        p.name,
                        p.email,
                        p.phone,
                        p.company,
                        network,
                        rng.random_range(1..40),
                        exp,
                        ApplicationStatus::Approved,
                        applied,
                        approved
                    ])?;
                    p_stmt.execute(params![
                        p.id, p.app_id, p.name, p.email, p.phone, p.company, p.status, p.tier, approved
                    ])?;
                    if i % 20_000 == 0 {
                        tick("writing partners", i, partners.len())?;
                    }
                }
                // Applications still waiting or turned down.
                let extra = (partners.len() / 12).max(3);
                for k in 0..extra {
                    let first = pick(&mut rng, FIRST);
                    let last = pick(&mut rng, LAST);
                    let at = now - Duration::seconds(rng.random_range(3_600..(span as i64 / 2)));
                    let status = match k % 4 {
                        0 => ApplicationStatus::Pending,
                        1 => ApplicationStatus::UnderReview,
                        _ => ApplicationStatus::Rejected,
                    };
                    let (at, status) = if status != ApplicationStatus::Rejected {
                        (now - Duration::seconds(rng.random_range(3_600..30 * 86_400)), status)
                    } else {
                        (at, status)
                    };
                    let company = format!("{} {}", pick(&mut rng, ADJ), pick(&mut rng, AGENCY));
                    let id = ApplicationId(seeded_uuid(&mut rng, at));
                    app_stmt.execute(params![
                        id,
                        format!("{first} {last}"),
                        format!("{}.{}.{}@{}.com", slug(first), slug(last), k, slug(&company)),
                        Option::<String>::None,
                        company,
                        "Referrals from my clients",
                        rng.random_range(1..20),
                        ExperienceLevel::Beginner,
                        status,
                        fmt_time(at),
                        fmt_time(at)
                    ])?;
                }
                report.applications = (partners.len() + extra) as u64;
                report.partners = partners.len() as u64;
            }

            {
                let mut h_stmt = tx.prepare(
                    "INSERT INTO lead_status_history (lead_id, from_status, to_status, reopen, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (i, l) in leads.iter().enumerate() {
                    let id = lead_ids[i].to_string();
                    let mut from: Option<LeadStatus> = None;
                    for &(to, at, reopen) in &l.moves {
                        h_stmt.execute(params![id, from, to, reopen, fmt_time(at)])?;
                        report.moves += 1;
                        from = Some(to);
                    }
                    if i % 100_000 == 0 {
                        tick("writing leads", written.load(Ordering::Relaxed), leads.len())?;
                    }
                }
                report.leads = leads.len() as u64;
            }
            tick("writing commissions", 0, commissions.len())?;
            {
                let mut payout_ids = Vec::with_capacity(payout_dates.len());
                let mut pay_stmt = tx.prepare(
                    "INSERT INTO payouts (id, total_amount, commission_count, currency, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                )?;
                for (bi, &pd) in payout_dates.iter().enumerate() {
                    let id = PayoutId(seeded_uuid(&mut rng, pd));
                    payout_ids.push(id);
                    let (total, count) = payout_totals[bi];
                    if count > 0 {
                        pay_stmt.execute(params![id, total, count, currency, fmt_time(pd)])?;
                        report.payouts += 1;
                    }
                }
                commissions.sort_by_key(|c| c.created);
                let mut c_stmt = tx.prepare(
                    "INSERT INTO commissions (id, partner_id, client_lead_id, kind, commission_amount, commission_rate, project_value, status,
                                              payout_id, paid_at, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                )?;
                for (i, c) in commissions.iter().enumerate() {
                    let l = &leads[c.lead];
                    c_stmt.execute(params![
                        CommissionId(seeded_uuid(&mut rng, c.created)),
                        partners[l.partner].id,
                        lead_ids[c.lead],
                        c.kind,
                        c.amount,
                        c.rate,
                        c.value,
                        c.status,
                        c.payout.map(|b| payout_ids[b]),
                        c.paid_at.map(fmt_time),
                        fmt_time(c.created),
                        fmt_time(c.updated)
                    ])?;
                    if i % 100_000 == 0 {
                        tick("writing commissions", i, commissions.len())?;
                    }
                }
                report.commissions = commissions.len() as u64;
            }

            // Totals from the commissions, with the same definition the rules use
            // (before the partners' indexes exist, so only the rows change).
            tick("totals", 0, 1)?;
            tx.execute_batch(
                "UPDATE partners SET total_deals = c.deals, total_earnings = c.earnings
                 FROM (SELECT partner_id, SUM(CASE kind WHEN 'clawback' THEN -1 ELSE 1 END) AS deals, SUM(commission_amount) AS earnings
                       FROM commissions WHERE status <> 'cancelled' GROUP BY partner_id) AS c
                 WHERE c.partner_id = partners.id",
            )?;

            tick("indexes", 0, secondary.len())?;
            // A small sort budget splits each index sort into runs that the second
            // core sorts while this one reads the table (PRAGMA threads = 2).
            tx.execute_batch("PRAGMA cache_size = -65536")?;
            for (i, sql) in secondary.iter().enumerate() {
                tx.execute_batch(sql)?;
                tick("indexes", i + 1, secondary.len())?;
            }

            // The analytics roll-ups, from the rows in memory (the same definitions as
            // a rebuild from the tables, which tests/demo.rs checks).
            tick("analytics", 0, 1)?;
            {
                let mut r = crate::analytics::rollup::Builder::default();
                let handles: Vec<usize> = partners.iter().map(|p| r.partner(p.id, p.approved, p.tier)).collect();
                for l in &leads {
                    let status = l.moves.last().map(|m| m.0).unwrap_or(LeadStatus::Prospect);
                    r.lead(
                        handles[l.partner],
                        l.created,
                        status,
                        l.estimated,
                        l.moves.iter().map(|m| m.0),
                    );
                }
                for c in &commissions {
                    let p = handles[leads[c.lead].partner];
                    r.commission(p, c.kind, c.status, c.created, c.value, c.amount);
                }
                r.write(tx)?;
            }

            // Audit: the action itself, each partner's creation, each promotion.
            {
                let mut a = tx.prepare(
                    "INSERT INTO audit_log (at, entity, entity_id, action, before, after) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?;
                type Event = (DateTime<Utc>, usize, Option<(Tier, Tier)>);
                let mut events: Vec<Event> = partners
                    .iter()
                    .enumerate()
                    .map(|(i, p)| (p.approved, i, None))
                    .collect();
                events.extend(promotions.iter().map(|&(pi, from, to, at)| (at, pi, Some((from, to)))));
                events.sort_by_key(|e| e.0);
                for (at, pi, promo) in events {
                    let p = &partners[pi];
                    let id = p.id.to_string();
                    match promo {
                        None => {
                            let after = serde_json::json!({"id": id, "name": p.name, "email": p.email, "tier": "bronze", "status": "active"});
                            a.execute(params![
                                fmt_time(at),
                                Entity::Partner,
                                id,
                                "create",
                                Option::<String>::None,
                                after.to_string()
                            ])?;
                        }
                        Some((from, to)) => {
                            let before = serde_json::json!({"id": id, "tier": from});
                            let after = serde_json::json!({"id": id, "tier": to});
                            a.execute(params![
                                fmt_time(at),
                                Entity::Partner,
                                id,
                                "promote",
                                before.to_string(),
                                after.to_string()
                            ])?;
                        }
                    }
                }
                report.promotions = promotions.len() as u64;
                let summary = serde_json::to_string(&serde_json::json!({"options": opts, "report": &report}))
                    .map_err(|e| Error::validation("demo", e.to_string()))?;
                a.execute(params![
                    tx.now_text(),
                    Entity::Database,
                    "demo",
                    "demo",
                    Option::<String>::None,
                    summary
                ])?;
            }
            Ok(())
        })();
        if here.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        let names = writer
            .join()
            .unwrap_or_else(|_| Err(Error::Conflict("the demo's lead writer stopped unexpectedly".into())));
        here?;
        names
    })?;

    tick("copying leads", 0, 1)?;
    // The scratch file's schema changed after it was attached: reading its
    // catalogue makes SQLite notice and reload it before the copy is prepared.
    tx.query_row("SELECT count(*) FROM demo_leads.sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })?;
    tx.execute_batch("INSERT INTO main.client_leads SELECT * FROM demo_leads.client_leads")?;
    tick("copying leads", 1, 1)?;

    // App plans for a share of the leads that reached a proposal.
    {
        let mut plan_names = plan_names.into_iter();
        let mut n = 0u64;
        for (li, l) in leads.iter().enumerate() {
            if !plan_pick[li] {
                continue;
            }
            let at = l
                .moves
                .iter()
                .find(|m| m.0 == LeadStatus::ProposalSent)
                .map(|m| m.1)
                .unwrap_or(l.created);
            let mut feats: Vec<String> = Vec::new();
            for _ in 0..rng.random_range(2..6) {
                let f = pick(&mut rng, FEATURES).to_owned();
                if !feats.contains(&f) {
                    feats.push(f);
                }
            }
            let p = &partners[l.partner];
            let Some((business, client)) = plan_names.next() else {
                break;
            };
            let low = (l.estimated / 100_000).max(1) * 1_000;
            let status = match l.moves.last().map(|m| m.0) {
                Some(LeadStatus::ClosedWon) => PlanStatus::Accepted,
                Some(LeadStatus::ClosedLost) => PlanStatus::Declined,
                _ => PlanStatus::Sent,
            };
            let mut plan = AppPlan {
                id: PlanId(seeded_uuid(&mut rng, at)),
                partner_id: p.id,
                client_lead_id: lead_ids[li],
                business_name: business,
                industry: pick(&mut rng, INDUSTRY).to_owned(),
                features: feats,
                generated_content: None,
                timeline_estimate: format!("{} weeks", rng.random_range(6..20)),
                investment_range: format!("${}k-${}k", low / 1_000 * 10 / 10, low / 1_000 * 3 / 2 + 1),
                status,
                created_at: fmt_time(at),
                updated_at: fmt_time(at),
            };
            plan.generated_content = Some(render_proposal(
                &plan,
                &client,
                &p.name,
                &at.format("%B %-d, %Y").to_string(),
            ));
            repo::plans::insert(tx, &plan)?;
            n += 1;
        }
        report.plans = n;
    }

    tick("done", 1, 1)?;
    Ok(report)
}

/// The lead writer (runs on its own thread): every lead row into
/// `client_leads` of the scratch file at `path`, then that table's indexes
/// (the `schema` statements of the real table, table first). Returns the
/// business and client names of the leads marked in `plan_pick`, in order.
#[allow(clippy::too_many_arguments)]
fn write_leads(
    path: &std::path::Path,
    schema: &[String],
    leads: &[DemoLead],
    partners: &[DemoPartner],
    ids: &[LeadId],
    plan_pick: &[bool],
    seed: u64,
    written: &AtomicUsize,
    stop: &AtomicBool,
) -> Result<Vec<(String, String)>> {
    let mut conn = rusqlite::Connection::open(path)?;
    conn.execute_batch("PRAGMA page_size = 16384")?;
    // A scratch file: no journal, no syncs; the real transaction is the copy.
    conn.query_row("PRAGMA journal_mode = OFF", [], |r| r.get::<_, String>(0))?;
    conn.execute_batch(
        "PRAGMA foreign_keys = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -1000000; PRAGMA threads = 2;",
    )?;
    let tx = conn.transaction()?;
    let (table, indexes) = schema
        .split_first()
        .ok_or_else(|| Error::Migration("client_leads has no schema".into()))?;
    tx.execute_batch(table)?;
    let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x6c65_6164_735f_7772);
    let partner_ids: Vec<String> = partners.iter().map(|p| p.id.to_string()).collect();
    let mut names = Vec::new();
    {
        let mut l_stmt = tx.prepare(
            "INSERT INTO client_leads (id, partner_id, client_name, client_email, client_phone, business_name, project_description,
                                       estimated_value, status, possible_duplicate_of, closed_at, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        let mut recent: Vec<(String, String, LeadId)> = Vec::new();
        // The slug of every word once (the slug of "A B C" is theirs joined).
        let slugs: std::collections::HashMap<&str, String> = [FIRST, LAST, ADJ, NOUN, BIZ]
            .into_iter()
            .flatten()
            .map(|w| (*w, slug(w)))
            .collect();
        for (i, l) in leads.iter().enumerate() {
            let id = ids[i];
            let first = pick(&mut rng, FIRST);
            let last = pick(&mut rng, LAST);
            let (business, email, dup) = if !recent.is_empty() && rng.random_bool(0.01) {
                let (b, e, d) = &recent[rng.random_range(0..recent.len())];
                (b.clone(), e.clone(), Some(*d))
            } else {
                let (adj, noun, biz) = (pick(&mut rng, ADJ), pick(&mut rng, NOUN), pick(&mut rng, BIZ));
                let b = format!("{adj} {noun} {biz}");
                let e = format!(
                    "{}.{}@{}{}{}{}.com",
                    slugs[first],
                    slugs[last],
                    slugs[adj],
                    slugs[noun],
                    slugs[biz],
                    i % 997
                );
                (b, e, None)
            };
            if recent.len() < 512 {
                recent.push((business.clone(), email.clone(), id));
            } else {
                let k = rng.random_range(0..512);
                recent[k] = (business.clone(), email.clone(), id);
            }
            let desc = format!("{} needs {}.", business, pick(&mut rng, NEEDS));
            let (last_status, last_at, _) = *l.moves.last().unwrap_or(&(LeadStatus::Prospect, l.created, false));
            let closed = last_status.is_closed().then(|| fmt_time(last_at));
            let client = format!("{first} {last}");
            l_stmt.execute(params![
                id,
                partner_ids[l.partner],
                client,
                email,
                format!(
                    "+1 555 {:03} {:04}",
                    rng.random_range(100..999),
                    rng.random_range(0..10_000)
                ),
                business,
                desc,
                l.estimated,
                last_status,
                dup,
                closed,
                fmt_time(l.created),
                fmt_time(last_at)
            ])?;
            if plan_pick[i] {
                names.push((business, client));
            }
            if i % 10_000 == 0 {
                written.store(i, Ordering::Relaxed);
                if stop.load(Ordering::Relaxed) {
                    return Err(Error::Cancelled);
                }
            }
        }
    }
    written.store(leads.len(), Ordering::Relaxed);
    // As in the main file: runs sorted by the second core while this one reads.
    tx.execute_batch("PRAGMA cache_size = -65536")?;
    for sql in indexes {
        if stop.load(Ordering::Relaxed) {
            return Err(Error::Cancelled);
        }
        tx.execute_batch(sql)?;
    }
    tx.commit()?;
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::{free_bytes, scratch_fits};

    #[test]
    fn the_scratch_file_goes_to_shared_memory_only_when_it_fits() {
        assert!(scratch_fits(Some(1 << 30), 1_000_000));
        assert!(!scratch_fits(Some(64 << 20), 2_000_000), "Docker's 64 MB /dev/shm");
        assert!(!scratch_fits(Some(64 << 20), 1), "64 MB are always kept free");
        assert!(!scratch_fits(None, 10));
        // The temp folder's file system has some room, and a missing folder has none.
        assert!(free_bytes(&std::env::temp_dir()).is_some_and(|b| b > 0));
        assert_eq!(free_bytes(std::path::Path::new("/no/such/folder")), None);
    }
}
