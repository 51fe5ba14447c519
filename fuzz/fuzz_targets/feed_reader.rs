//! The change-feed reader on arbitrary bytes: a checked header and rows or a
//! clear error naming the file, never a panic.
//! `cargo +nightly fuzz run feed_reader` (from the repository root).
#![no_main]

use libfuzzer_sys::fuzz_target;
use partnerdesk_core::exchange::sync::read_feed;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let mut rows = 0u64;
    match read_feed(Path::new("feed-000001.jsonl"), data, &mut |_| {
        rows += 1;
        Ok(())
    }) {
        Ok(header) => assert_eq!(header.rows, rows),
        Err(e) => assert!(e.to_string().contains("feed-000001.jsonl")),
    }
});
