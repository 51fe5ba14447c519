//! `partnerdesk sync export --to DIR | apply DIR | push | pull | status | conflicts`.

use super::Ctx;
use crate::output::{kv, Table};
use anyhow::Context as _;
use clap::Subcommand;
use partnerdesk_core::exchange::{pg, sync};
use partnerdesk_core::progress::Progress;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum SyncCmd {
    /// Write the changes since the last export as the next feed file in DIR (the first one is a full snapshot)
    Export {
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
    },
    /// Apply the feed files of DIR to this database: every file is checked first; files applied before are skipped
    Apply { dir: PathBuf },
    /// Upsert the changes since the last push into a PostgreSQL/Supabase database: missing tables
    /// are created, missing columns added; values are converted to the column types there
    Push {
        /// postgresql://user:password@host:port/database (or $PARTNERDESK_PG_URL); TLS by
        /// ?sslmode=disable|prefer|require|verify-ca|verify-full (require at least for a remote
        /// host) and &sslrootcert=CA.pem
        #[arg(long, value_name = "URL", env = "PARTNERDESK_PG_URL", hide_env_values = true)]
        postgres: String,
        /// Print what would be created, altered and sent; write nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// Bring in the applications, partners and leads created or changed on the server since the last pull
    Pull {
        /// The server, as for push (or $PARTNERDESK_PG_URL)
        #[arg(long, value_name = "URL", env = "PARTNERDESK_PG_URL", hide_env_values = true)]
        postgres: String,
        /// Report what would be taken, refused and in conflict; keep nothing
        #[arg(long)]
        dry_run: bool,
    },
    /// The last export, apply and pushes; with --postgres, whether both sides hold the same five
    /// tables (row counts, money sums and a checksum per table)
    Status {
        /// The server to compare with (or $PARTNERDESK_PG_URL)
        #[arg(long, value_name = "URL", env = "PARTNERDESK_PG_URL", hide_env_values = true)]
        postgres: Option<String>,
    },
    /// Records changed on both sides since a sync: which side won, and the other side's image
    Conflicts {
        /// At most this many, newest first
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
}

fn progress_printer() -> impl FnMut(&Progress) -> bool {
    let show = std::io::stderr().is_terminal();
    move |p: &Progress| {
        if show {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r{}: {} rows   ", p.stage, p.done);
            let _ = err.flush();
        }
        true
    }
}

pub fn run(ctx: &Ctx, cmd: SyncCmd) -> anyhow::Result<u8> {
    let mut progress = progress_printer();
    match cmd {
        SyncCmd::Export { to } => {
            let r = sync::export(&ctx.store, &to, &mut progress)
                .with_context(|| format!("exporting the change feed to {}", to.display()))?;
            ctx.out.emit(&r, || match &r.file {
                None => format!("nothing changed since feed file {}; no file written\n", r.file_seq),
                Some(f) => kv(&[
                    ("File", f.display().to_string()),
                    ("Kind", if r.snapshot { "full snapshot" } else { "changes" }.to_owned()),
                    ("Audit seq", format!("{}..{}", r.from_seq + 1, r.to_seq)),
                    ("Rows", r.rows.to_string()),
                ]),
            })?;
        }
        SyncCmd::Apply { dir } => {
            let r = sync::apply(&ctx.store, &dir, &mut progress)
                .with_context(|| format!("applying the change feed in {}", dir.display()))?;
            ctx.out.emit(&r, || {
                let applied = r.files.iter().filter(|f| !f.skipped).count();
                let skipped = r.files.len() - applied;
                kv(&[
                    ("Source", r.source_id.clone()),
                    ("Files applied", applied.to_string()),
                    ("Already applied", skipped.to_string()),
                    ("Rows", r.rows.to_string()),
                ])
            })?;
        }
        SyncCmd::Push { postgres, dry_run } => {
            let r = pg::push_with(&ctx.store, &postgres, pg::PushOptions { dry_run }, &mut progress)
                .with_context(|| format!("pushing to {}", pg::redact(&postgres)))?;
            ctx.out.emit(&r, || {
                let mut text = kv(&[
                    ("Target", r.target.clone()),
                    ("Kind", if r.full { "everything" } else { "changes" }.to_owned()),
                    ("Audit seq", format!("{}..{}", r.from_seq + 1, r.to_seq)),
                    (if r.dry_run { "Rows to send" } else { "Rows sent" }, r.rows.to_string()),
                ]);
                let will = if r.dry_run { "Would create" } else { "Created" };
                for t in &r.created_tables {
                    text.push_str(&format!("{will} table {t}\n"));
                }
                for c in &r.added_columns {
                    text.push_str(&format!(
                        "{} column {c}\n",
                        if r.dry_run { "Would add" } else { "Added" }
                    ));
                }
                for i in &r.created_indexes {
                    text.push_str(&format!("{will} index {i}\n"));
                }
                let mut t = Table::new(&["TABLE", ">ROWS"]);
                for row in &r.tables {
                    t.row(vec![row.table.clone(), row.rows.to_string()]);
                }
                if !t.is_empty() {
                    text.push_str(&t.render());
                }
                if r.dry_run {
                    text.push_str("Dry run: nothing was written.\n");
                }
                text
            })?;
        }
        SyncCmd::Pull { postgres, dry_run } => {
            let r = pg::pull(&ctx.store, &postgres, dry_run, &mut progress)
                .with_context(|| format!("pulling from {}", pg::redact(&postgres)))?;
            ctx.out.emit(&r, || {
                let mut text = kv(&[
                    ("Source", r.target.clone()),
                    ("Rows read", r.read.to_string()),
                    ("Created", r.created.to_string()),
                    ("Updated", r.updated.to_string()),
                    ("Unchanged", r.unchanged.to_string()),
                    ("Conflicts", r.conflicts.len().to_string()),
                    ("Refused", r.bad_rows.len().to_string()),
                ]);
                for c in &r.conflicts {
                    text.push_str(&format!(
                        "conflict: {} {} changed on both sides; the {} change won\n",
                        c.table,
                        c.record_id,
                        if c.winner == "remote" { "server's" } else { "desktop's" }
                    ));
                }
                for b in &r.bad_rows {
                    let field = b.field.as_deref().map(|f| format!(" {f}:")).unwrap_or_default();
                    text.push_str(&format!("refused: {} {}:{field} {}\n", b.table, b.id, b.reason));
                }
                if r.dry_run {
                    text.push_str("Dry run: nothing was kept.\n");
                }
                text
            })?;
        }
        SyncCmd::Status { postgres: None } => {
            let r = ctx.read("reading the sync state", sync::status)?;
            ctx.out.emit(&r, || {
                let mut text = kv(&[
                    (
                        "Last export",
                        r.last_export_at.clone().unwrap_or_else(|| "never".into()),
                    ),
                    ("Last apply", r.last_apply_at.clone().unwrap_or_else(|| "never".into())),
                ]);
                for p in &r.pushes {
                    text.push_str(&format!(
                        "pushed to {} at {} ({} rows)\n",
                        p.target, p.pushed_at, p.rows
                    ));
                }
                text
            })?;
        }
        SyncCmd::Status { postgres: Some(url) } => {
            let r = pg::compare(&ctx.store, &url).with_context(|| format!("comparing with {}", pg::redact(&url)))?;
            ctx.out.emit(&r, || {
                let mut t = Table::new(&["TABLE", ">HERE", ">THERE", ">CENTS HERE", ">CENTS THERE", "SAME"]);
                for x in &r.tables {
                    let opt = |v: Option<i64>| v.map_or("-".to_owned(), |c| c.to_string());
                    t.row(vec![
                        x.table.clone(),
                        x.local_rows.to_string(),
                        x.remote_rows.map_or("missing".to_owned(), |n| n.to_string()),
                        opt(x.local_cents),
                        opt(x.remote_cents),
                        if x.equal { "yes" } else { "NO" }.to_owned(),
                    ]);
                }
                let mut text = t.render();
                text.push_str(if r.equal {
                    "Both sides hold the same rows.\n"
                } else {
                    "The sides differ: pull, then push.\n"
                });
                text
            })?;
        }
        SyncCmd::Conflicts { limit } => {
            let list = ctx.read("reading the conflict log", |c| pg::conflicts(c, limit))?;
            ctx.out.emit(&list, || {
                if list.is_empty() {
                    return "No conflicts: no record has been changed on both sides between syncs.\n".into();
                }
                let mut t = Table::new(&["DETECTED", "TABLE", "RECORD", "WINNER", "TARGET"]);
                for c in &list {
                    t.row(vec![
                        c.detected_at.clone(),
                        c.table.clone(),
                        c.record_id.clone(),
                        c.winner.clone(),
                        c.target.clone(),
                    ]);
                }
                t.render()
            })?;
        }
    }
    Ok(0)
}
