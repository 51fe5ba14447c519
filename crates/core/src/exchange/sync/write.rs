//! Writing the next feed file of a database ([`export`]).

use super::{
    current_seq, database_id, feed_name, io_err, needs_snapshot, visit_changes, ExportReport, FeedHeader, FeedRow,
    FEED_FORMAT, FEED_VERSION, HEADER_WIDTH, TABLES,
};
use crate::error::{Error, Result};
use crate::progress::Progress;
use crate::store::Store;
use rusqlite::{params, OptionalExtension};
use sha2::{Digest, Sha256};
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

/// Write the changes since the last export into `dir` as the next feed file.
pub fn export(store: &Store, dir: &Path, progress: &mut dyn FnMut(&Progress) -> bool) -> Result<ExportReport> {
    if !dir.is_dir() {
        std::fs::create_dir_all(dir).map_err(io_err(format!("creating the folder {}", dir.display())))?;
    }
    let source_id = store.write(database_id)?;
    let created_at = crate::clock::fmt_time(store.now());
    // Everything is read from one snapshot; only the bookkeeping is written after.
    let (report, checksum, last) = store.read(|conn| {
        let last: Option<(i64, i64)> = conn
            .query_row(
                "SELECT file_seq, to_seq FROM sync_exports ORDER BY file_seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (file_seq, from_seq) = match last {
            Some((f, t)) => (f + 1, t),
            None => (1, 0),
        };
        let to_seq = current_seq(conn)?;
        if last.is_some() && to_seq == from_seq {
            return Ok((
                ExportReport {
                    file: None,
                    file_seq: file_seq - 1,
                    from_seq,
                    to_seq,
                    snapshot: false,
                    rows: 0,
                },
                String::new(),
                last,
            ));
        }
        let snapshot = last.is_none() || needs_snapshot(conn, from_seq, to_seq)?;
        let total: i64 = if snapshot {
            TABLES
                .iter()
                .map(|(t, _)| conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get::<_, i64>(0)))
                .sum::<rusqlite::Result<i64>>()?
        } else {
            to_seq - from_seq
        };
        let name = feed_name(file_seq);
        let tmp = dir.join(format!(".{name}.tmp"));
        let shown = tmp.display().to_string();
        let file = std::fs::File::create(&tmp).map_err(io_err(format!("creating {shown}")))?;
        let mut out = BufWriter::with_capacity(1 << 20, file);
        out.write_all(&[b' '; HEADER_WIDTH])
            .and_then(|_| out.write_all(b"\n"))
            .map_err(io_err(format!("writing {shown}")))?;
        let mut hasher = Sha256::new();
        let mut rows = 0u64;
        let mut line = Vec::with_capacity(1024);
        let result = visit_changes(conn, from_seq, to_seq, snapshot, &mut |table, cols, values| {
            let mut row = serde_json::Map::with_capacity(cols.len());
            for (c, v) in cols.iter().zip(values) {
                row.insert(c.clone(), v.to_json());
            }
            line.clear();
            serde_json::to_writer(
                &mut line,
                &FeedRow {
                    table: table.to_owned(),
                    row,
                },
            )
            .map_err(|e| Error::validation("sync", e.to_string()))?;
            line.push(b'\n');
            hasher.update(&line);
            out.write_all(&line).map_err(io_err(format!("writing {shown}")))?;
            rows += 1;
            if rows.is_multiple_of(8192)
                && !progress(&Progress {
                    stage: "export".into(),
                    done: rows,
                    total: total.max(rows as i64) as u64,
                })
            {
                return Err(Error::Cancelled);
            }
            Ok(())
        });
        let finish = || -> Result<String> {
            result?;
            let checksum = format!("sha256:{:x}", hasher.finalize());
            let header = FeedHeader {
                format: FEED_FORMAT.into(),
                version: FEED_VERSION,
                source_id: source_id.clone(),
                file_seq,
                from_seq,
                to_seq,
                snapshot,
                schema_version: crate::store::latest_schema_version(),
                rows,
                checksum: checksum.clone(),
                created_at: created_at.clone(),
            };
            let mut head = serde_json::to_vec(&header).map_err(|e| Error::validation("sync", e.to_string()))?;
            if head.len() > HEADER_WIDTH {
                return Err(Error::validation("sync", "the feed header is too long"));
            }
            head.resize(HEADER_WIDTH, b' ');
            let mut file = out
                .into_inner()
                .map_err(|e| Error::io(format!("writing {shown}"), e.into_error()))?;
            file.rewind()
                .and_then(|_| file.write_all(&head))
                .and_then(|_| file.sync_all())
                .map_err(io_err(format!("writing {shown}")))?;
            std::fs::rename(&tmp, dir.join(&name)).map_err(io_err(format!("renaming {shown}")))?;
            Ok(checksum)
        };
        match finish() {
            Ok(checksum) => Ok((
                ExportReport {
                    file: Some(dir.join(&name)),
                    file_seq,
                    from_seq,
                    to_seq,
                    snapshot,
                    rows,
                },
                checksum,
                last,
            )),
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    })?;
    if report.file.is_none() {
        return Ok(report);
    }
    store.write(|tx| {
        let now_last: Option<i64> = tx
            .query_row("SELECT MAX(file_seq) FROM sync_exports", [], |r| r.get(0))
            .optional()?
            .flatten();
        if now_last != last.map(|l| l.0) {
            return Err(Error::Conflict("another sync export ran at the same time; run it again".into()));
        }
        tx.execute(
            "INSERT INTO sync_exports (file_seq, from_seq, to_seq, snapshot, row_count, file_name, checksum, exported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                report.file_seq,
                report.from_seq,
                report.to_seq,
                report.snapshot,
                report.rows as i64,
                feed_name(report.file_seq),
                checksum,
                tx.now_text()
            ],
        )?;
        Ok(())
    })?;
    progress(&Progress {
        stage: "export".into(),
        done: report.rows,
        total: report.rows,
    });
    Ok(report)
}
