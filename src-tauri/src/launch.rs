//! Launch timing for `make bench-launch`: the page's marks (script run,
//! database answered, figures painted) against the process's start.

use serde::Deserialize;

/// Set (to anything) by `make bench-launch`: the app prints where its launch
/// time went as soon as the dashboard shows its figures, and quits.
pub const LAUNCH_BENCH: &str = "PARTNERDESK_LAUNCH_BENCH";

/// The page's own record of a launch: its time origin (Unix ms) and, in ms
/// from it, when the script had run, the database had answered and the
/// dashboard's figures were on screen.
#[derive(Debug, Clone, Copy, Deserialize, ts_rs::TS)]
pub struct LaunchMarks {
    pub time_origin: f64,
    pub script: f64,
    pub opened: f64,
    pub figures: f64,
}

/// Under [`LAUNCH_BENCH`]: print the launch's times, counted from the start
/// of the process, and return the line (the caller quits the app). Otherwise
/// nothing.
pub fn report_if_benchmarking(marks: &LaunchMarks) -> Option<String> {
    std::env::var_os(LAUNCH_BENCH)?;
    let line = launch_report(process_start_unix_ms(), marks);
    println!("{line}");
    Some(line)
}

/// One line: the total to the figures, then each step from the process start.
pub fn launch_report(process_start_unix_ms: f64, m: &LaunchMarks) -> String {
    let from_start = |ms_after_origin: f64| (m.time_origin + ms_after_origin - process_start_unix_ms).round();
    format!(
        "launch: figures on screen {} ms after the process started (page started {} ms, script run {} ms, database answered {} ms)",
        from_start(m.figures),
        from_start(0.0),
        from_start(m.script),
        from_start(m.opened),
    )
}

static STARTED: std::sync::OnceLock<f64> = std::sync::OnceLock::new();

fn unix_ms_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// When this process started, in Unix ms: from the kernel's record on Linux
/// (so the loading of the program and its libraries counts), else from the
/// start of [`crate::run`] (or of this call, whichever came first).
pub fn process_start_unix_ms() -> f64 {
    let fallback = *STARTED.get_or_init(unix_ms_now);
    proc_start_unix_ms().unwrap_or(fallback)
}

/// `/proc/self/stat`'s start time (clock ticks since boot; 100 a second for
/// every Linux user space) against `/proc/uptime` (seconds since boot).
fn proc_start_unix_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may hold spaces.
    let after = stat.rsplit_once(')')?.1;
    let ticks: f64 = after.split_whitespace().nth(19)?.parse().ok()?;
    let uptime: f64 = std::fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(unix_ms_now() - (uptime - ticks / 100.0) * 1000.0)
}

/// Note the start of [`crate::run`], the fallback where the kernel's record
/// cannot be read.
pub fn mark_start() {
    STARTED.get_or_init(unix_ms_now);
}
