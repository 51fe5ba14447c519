//! The leads' scratch file: where it goes, the thread that fills it, and
//! the early flush of the database file while the demo writes.

use super::history::{DemoLead, DemoPartner};
use super::words::{pick, slug, ADJ, BIZ, FIRST, LAST, NEEDS, NOUN};
use crate::clock::fmt_time;
use crate::error::{Error, Result};
use crate::model::*;
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use rusqlite::params;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// A thread that asks the OS every two seconds to write the database file's
/// dirty pages to the disk (`fdatasync` on its own handle), until dropped.
/// It changes nothing SQLite relies on: rows become durable at the commit, as
/// always; this only starts the disk's work early, while the CPUs are busy.
pub(super) struct EarlyFlush {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl EarlyFlush {
    pub(super) fn start(path: &std::path::Path) -> EarlyFlush {
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
pub(super) fn scratch_path(db: &std::path::Path, leads: u64) -> std::path::PathBuf {
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

/// The lead writer (runs on its own thread): every lead row into
/// `client_leads` of the scratch file at `path`, then that table's indexes
/// (the `schema` statements of the real table, table first). Returns the
/// business and client names of the leads marked in `plan_pick`, in order.
#[allow(clippy::too_many_arguments)]
pub(super) fn write_leads(
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
