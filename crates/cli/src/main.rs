//! `partnerdesk`: the Partnerdesk partner program from the terminal.
//!
//! This binary only parses the command line, calls partnerdesk-core and
//! prints; every rule lives in core. Errors keep core's [`Error`] inside the
//! anyhow chain so the exit code follows its kind.

mod cli;
mod commands;
mod output;

use clap::Parser;
use partnerdesk_core::{Error, ErrorInfo};
use serde::Serialize;
use std::process::ExitCode;

/// Exit codes, as documented in `--help`.
const EXIT_OTHER: u8 = 1;
const EXIT_USAGE: u8 = 2;
const EXIT_VALIDATION: u8 = 3;
const EXIT_NOT_FOUND: u8 = 4;
const EXIT_REFUSED: u8 = 5;
const EXIT_LOCKED: u8 = 6;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(e),
    };
    let json = cli.json;
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            let core = err.downcast_ref::<Error>();
            let message = message(&err);
            eprintln!("error: {message}");
            if json {
                let info = ErrorInfo {
                    kind: core.map(Error::kind).unwrap_or("error"),
                    field: core.and_then(|e| e.field().map(str::to_owned)),
                    message,
                };
                print_error_json(&info);
            }
            ExitCode::from(exit_code(core))
        }
    }
}

/// The failure as one line: the contexts, then core's message. Core's own
/// messages already include their sources, so the chain stops there.
fn message(err: &anyhow::Error) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        parts.push(cause.to_string());
        if cause.downcast_ref::<Error>().is_some() {
            break;
        }
    }
    parts.join(": ")
}

/// The exit code of a failure, from the kind of core error inside it.
fn exit_code(core: Option<&Error>) -> u8 {
    match core.map(Error::kind) {
        Some("validation") => EXIT_VALIDATION,
        Some("not_found") => EXIT_NOT_FOUND,
        Some("conflict") | Some("invalid_transition") => EXIT_REFUSED,
        Some("locked") => EXIT_LOCKED,
        _ => EXIT_OTHER,
    }
}

/// clap's own errors: help and version go to stdout with 0; a usage error
/// goes to stderr with 2 (and as JSON on stdout with `--json`).
fn usage_error(e: clap::Error) -> ExitCode {
    if e.use_stderr() && std::env::args_os().skip(1).any(|a| a == "--json") {
        let rendered = e.render().to_string();
        let first = rendered.lines().next().unwrap_or_default();
        let message = first.strip_prefix("error: ").unwrap_or(first).to_owned();
        print_error_json(&ErrorInfo {
            kind: "usage",
            field: None,
            message,
        });
    }
    let _ = e.print();
    ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 })
}

fn print_error_json(info: &ErrorInfo) {
    #[derive(Serialize)]
    struct Wrapped<'a> {
        error: &'a ErrorInfo,
    }
    let _ = output::print_json(&Wrapped { error: info });
}
