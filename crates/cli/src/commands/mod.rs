//! One module per command group. Each command parses its text arguments with
//! core's parsers, runs one core call per user action (one transaction), and
//! prints the answer through [`Out`].

mod admin;
pub mod analytics;
mod application;
pub mod automation;
pub mod backup;
mod cipher;
mod commission;
pub mod export;
pub mod import;
mod lead;
mod partner;
mod payouts;
mod plan;
pub mod privacy;
pub mod rules;
pub mod sync;

use crate::cli::{Cli, Command};
use crate::output::Out;
use anyhow::Context as _;
use partnerdesk_core::model::IdType;
use partnerdesk_core::queries;
use partnerdesk_core::store::{resolve_db_path, Conn, Store, Tx};
use partnerdesk_core::{Error, Result as CoreResult};
use std::path::Path;
use std::sync::Arc;

/// What every command gets: the open store and where to print.
pub struct Ctx {
    pub store: Store,
    pub out: Out,
}

impl Ctx {
    /// One read snapshot; `what` names the action in an error ("showing the partner").
    #[track_caller]
    pub fn read<T>(&self, what: &str, f: impl FnOnce(&Conn) -> CoreResult<T>) -> anyhow::Result<T> {
        self.store.read(f).with_context(|| what.to_owned())
    }

    /// [`Ctx::read`] for a list that may search (the search indexes are built first when missing).
    #[track_caller]
    pub fn read_searching<T>(
        &self,
        what: &str,
        search: Option<&str>,
        f: impl FnOnce(&Conn) -> CoreResult<T>,
    ) -> anyhow::Result<T> {
        self.store.read_searching(search, f).with_context(|| what.to_owned())
    }

    /// One write transaction, committed only when `f` succeeds.
    #[track_caller]
    pub fn write<T>(&self, what: &str, f: impl FnOnce(&Tx) -> CoreResult<T>) -> anyhow::Result<T> {
        self.store.write(f).with_context(|| what.to_owned())
    }
}

/// Resolve an id typed by the user (full or a unique prefix) to a typed id.
pub fn id<I: IdType>(conn: &Conn, text: &str) -> CoreResult<I> {
    queries::resolve::<I>(conn, text)
}

/// Run the parsed command; the exit code on success (doctor may answer 1).
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    let out = Out { json: cli.json };
    let db = cli.db.as_deref();
    if let Command::Init = cli.command {
        return admin::init(db, out);
    }
    let command = match cli.command {
        Command::Backup(c) => return backup::run(db, out, c),
        Command::Encrypt => return cipher::encrypt(db, out),
        Command::Decrypt => return cipher::decrypt(db, out),
        Command::ChangePassphrase => return cipher::change_passphrase(db, out),
        other => other,
    };
    let ctx = Ctx {
        store: open_existing(db)?,
        out,
    };
    match command {
        Command::Init => unreachable!("handled above"),
        Command::Demo(a) => admin::demo(&ctx, a),
        Command::Application(c) => application::run(&ctx, c),
        Command::Partner(c) => partner::run(&ctx, c),
        Command::Lead(c) => lead::run(&ctx, c),
        Command::Commission(c) => commission::run(&ctx, c),
        Command::Payout(c) => commission::payout(&ctx, c),
        Command::Plan(c) => plan::run(&ctx, c),
        Command::Audit(c) => admin::audit(&ctx, c),
        Command::Settings(c) => admin::settings(&ctx, c),
        Command::Doctor(a) => admin::doctor(&ctx, a),
        Command::Group(c) => rules::group(&ctx, c),
        Command::Rules(c) => rules::run(&ctx, c),
        Command::RunDue => rules::run_due(&ctx),
        Command::Task(c) => automation::task(&ctx, c),
        Command::Automation(c) => automation::automation(&ctx, c),
        Command::Template(c) => automation::template(&ctx, c),
        Command::Outbox(c) => automation::outbox(&ctx, c),
        Command::SmtpPassword => automation::smtp_password(&ctx),
        Command::TaxReport { year, out } => payouts::tax_report(&ctx, &year, &out),
        Command::Analytics(c) => analytics::run(&ctx, c),
        Command::Chart(a) => analytics::chart(&ctx, a),
        Command::Backup(_) => unreachable!("handled above"),
        Command::Export(a) => export::export(&ctx, a),
        Command::Statement(a) => export::statement(&ctx, a),
        Command::Import(a) => import::run(&ctx, a),
        Command::Sync(c) => sync::run(&ctx, c),
        Command::Encrypt | Command::Decrypt | Command::ChangePassphrase => unreachable!("handled above"),
        Command::Erase(a) => privacy::erase(&ctx, a),
        Command::SubjectExport(a) => privacy::subject_export(&ctx, a),
    }
}

/// Open (create or migrate) the database.
pub fn open(path: &Path) -> anyhow::Result<Store> {
    Store::open(path, clock()?).context("opening the database")
}

/// Open the database a command works on; only `init` creates one, so a
/// mistyped `--db` is an error rather than a new empty database.
fn open_existing(db: Option<&Path>) -> anyhow::Result<Store> {
    let path = resolve_db_path(db).context("finding the database")?;
    let store = open_existing_only(&path)?;
    backup::daily(&store)?;
    Ok(store)
}

/// [`open_existing`] without the daily backup; a damaged database names
/// the newest good backup.
pub fn open_existing_only(path: &Path) -> anyhow::Result<Store> {
    exists(path)?;
    let passphrase = cipher::passphrase_for(path)?;
    open_existing_with(path, passphrase)
}

pub(crate) fn exists(path: &Path) -> anyhow::Result<()> {
    if !path.exists() {
        return Err(Error::io(
            format!("opening {}", path.display()),
            std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "there is no database here; run `partnerdesk init` first (or give --db PATH)",
            ),
        )
        .into());
    }
    Ok(())
}

/// [`open_existing_only`] with the passphrase already known.
pub(crate) fn open_existing_with(
    path: &Path,
    passphrase: Option<partnerdesk_core::store::cipher::Passphrase>,
) -> anyhow::Result<Store> {
    let opts = partnerdesk_core::open::OpenOptions {
        passphrase,
        ..Default::default()
    };
    Store::open_with(path, clock()?, opts).map_err(|e| backup::with_restore_hint(e, path))
}

/// The clock: the wall clock, or `PARTNERDESK_NOW` when set.
pub fn clock() -> anyhow::Result<Arc<dyn partnerdesk_core::clock::Clock>> {
    Ok(partnerdesk_core::clock::from_env()?)
}

/// Parse an optional text argument with a core parser.
pub fn parse_opt<T>(text: Option<&str>, parse: impl Fn(&str) -> CoreResult<T>) -> CoreResult<Option<T>> {
    text.map(parse).transpose()
}
