//! `partnerdesk sync export --to DIR | apply DIR | push --postgres URL`.

use super::Ctx;
use crate::output::kv;
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
    /// Upsert the changes since the last push into a PostgreSQL/Supabase database (its schema is created when missing)
    Push {
        /// postgresql://user:password@host:port/database (or $PARTNERDESK_PG_URL); TLS by
        /// ?sslmode=disable|prefer|require|verify-ca|verify-full (require at least for a remote
        /// host) and &sslrootcert=CA.pem
        #[arg(long, value_name = "URL", env = "PARTNERDESK_PG_URL", hide_env_values = true)]
        postgres: String,
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
        SyncCmd::Push { postgres } => {
            let r = pg::push(&ctx.store, &postgres, &mut progress)
                .with_context(|| format!("pushing to {}", pg::redact(&postgres)))?;
            ctx.out.emit(&r, || {
                kv(&[
                    ("Target", r.target.clone()),
                    ("Kind", if r.full { "everything" } else { "changes" }.to_owned()),
                    ("Audit seq", format!("{}..{}", r.from_seq + 1, r.to_seq)),
                    ("Rows sent", r.rows.to_string()),
                ])
            })?;
        }
    }
    Ok(0)
}
