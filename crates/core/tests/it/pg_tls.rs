//! The connection to PostgreSQL: TLS and `sslmode`, certificate checks
//! against the throw-away server of scripts/with-postgres.sh (TLS
//! compulsory, a certificate for localhost/127.0.0.1 signed by
//! PARTNERDESK_TEST_PG_CA), the rules applied to a URL before connecting,
//! and the password kept out of everything written.

use chrono::TimeZone;
use partnerdesk_core::backup::{self, BackupKind};
use partnerdesk_core::clock::ManualClock;
use partnerdesk_core::demo::{self, DemoOptions};
use partnerdesk_core::exchange::export::{self, Format};
use partnerdesk_core::exchange::pg::{self, RootCerts, SslMode};
use partnerdesk_core::exchange::sync;
use partnerdesk_core::store::Store;
use partnerdesk_core::Error;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The test server of scripts/with-postgres.sh.
pub(crate) struct Server {
    pub(crate) url: String,
    pub(crate) port: String,
    ca: String,
    wrong_ca: String,
}

/// The server, or None to skip (never in CI).
pub(crate) fn server() -> Option<Server> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("PARTNERDESK_TEST_PG_URL"),
        var("PARTNERDESK_TEST_PG_CA"),
        var("PARTNERDESK_TEST_PG_WRONG_CA"),
    ) {
        (Some(url), Some(ca), Some(wrong_ca)) => {
            let settings = pg::settings(&url).unwrap();
            let port = settings.hosts[0].rsplit_once(':').unwrap().1.to_owned();
            Some(Server {
                url,
                port,
                ca,
                wrong_ca,
            })
        }
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("PARTNERDESK_TEST_PG_URL/_CA/_WRONG_CA are not set: in CI the PostgreSQL tests must run (scripts/with-postgres.sh)");
            }
            eprintln!("skipped: PARTNERDESK_TEST_PG_URL is not set (run through scripts/with-postgres.sh)");
            None
        }
    }
}

/// A database of its own on the server (tests run side by side), dropped at the end.
pub(crate) struct Database<'a> {
    server: &'a Server,
    name: String,
}

impl<'a> Database<'a> {
    pub(crate) fn new(server: &'a Server, tag: &str) -> Database<'a> {
        let name = format!("pd_tls_{tag}_{}", std::process::id());
        let mut admin = pg::connect(&server.url).unwrap();
        admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
        admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
        Database { server, name }
    }

    /// `postgresql://partnerdesk[:password]@host:port/name?query`.
    pub(crate) fn url(&self, password: Option<&str>, host: &str, query: &str) -> String {
        let auth = match password {
            Some(p) => format!("partnerdesk:{p}"),
            None => "partnerdesk".to_owned(),
        };
        let q = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        format!("postgresql://{auth}@{host}:{}/{}{q}", self.server.port, self.name)
    }
}

impl Drop for Database<'_> {
    fn drop(&mut self) {
        if let Ok(mut admin) = pg::connect(&self.server.url) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

fn store(dir: &Path) -> Store {
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap());
    let s = Store::open(dir.join("src.db"), Arc::new(clock)).unwrap();
    demo::generate(
        &s,
        &DemoOptions {
            partners: 3,
            leads: 12,
            seed: 5,
        },
        &mut |_| true,
    )
    .unwrap();
    s
}

/// Whether the connection made from `url` runs over TLS (asked of the server).
fn over_tls(url: &str) -> bool {
    let mut c = pg::connect(url).unwrap();
    c.query_one("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()", &[])
        .unwrap()
        .get(0)
}

fn refused<T>(r: Result<T, Error>) -> Error {
    let Err(e) = r else {
        panic!("accepted, where a refusal was expected")
    };
    assert_eq!(e.kind(), "validation", "{e}");
    assert_eq!(e.field(), Some("postgres"), "{e}");
    e
}

#[test]
fn verify_full_with_the_servers_ca_pushes_over_tls() {
    let Some(srv) = server() else { return };
    let db = Database::new(&srv, "full");
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let url = db.url(
        None,
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", srv.ca),
    );
    let r = pg::push(&s, &url, &mut |_| true).unwrap();
    assert!(r.full && r.rows > 10, "{r:?}");
    assert!(over_tls(&url));
    // The certificate names 127.0.0.1 too (an IP address SAN).
    assert!(over_tls(&db.url(
        None,
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", srv.ca)
    )));
    // The default (prefer) takes the TLS the server offers, without checking.
    assert_eq!(pg::settings(&srv.url).unwrap().ssl_mode, SslMode::Prefer);
    assert!(over_tls(&srv.url));
    // The key/value form reads the same settings.
    let kv = format!(
        "host=localhost port={} user=partnerdesk dbname={} sslmode=verify-full sslrootcert='{}'",
        srv.port, db.name, srv.ca
    );
    assert!(over_tls(&kv));
}

#[test]
fn verify_full_refuses_a_certificate_of_another_ca() {
    let Some(srv) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let db = Database::new(&srv, "wrongca");
    let url = db.url(
        Some("Pw-wrong-ca-secret"),
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", srv.wrong_ca),
    );
    let e = refused(pg::push(&s, &url, &mut |_| true));
    let m = e.to_string();
    assert!(m.contains("is not signed by"), "{m}");
    assert!(m.contains(&srv.wrong_ca), "{m}");
    assert!(m.contains(&format!("localhost:{}", srv.port)), "{m}");
    assert!(!m.contains("Pw-wrong-ca-secret"), "{m}");
    // Without sslrootcert the roots are Mozilla's: a private CA is not among them.
    let e = refused(pg::connect(&db.url(None, "localhost", "sslmode=verify-ca")));
    assert!(e.to_string().contains("Mozilla"), "{e}");
    // libpq's rule: require with a root certificate file checks the chain.
    let url = db.url(
        None,
        "localhost",
        &format!("sslmode=require&sslrootcert={}", srv.wrong_ca),
    );
    assert_eq!(pg::settings(&url).unwrap().ssl_mode, SslMode::VerifyCa);
    let e = refused(pg::connect(&url));
    assert!(e.to_string().contains("is not signed by"), "{e}");
    // Nothing was pushed, nothing recorded.
    assert!(s.read(sync::status).unwrap().pushes.is_empty());
}

#[test]
fn verify_full_checks_the_host_name_and_verify_ca_does_not() {
    let Some(srv) = server() else { return };
    let db = Database::new(&srv, "name");
    // hostaddr connects to the server; the host name, which the server's
    // certificate does not name, is what the certificate is checked against.
    let query = |mode: &str| format!("hostaddr=127.0.0.1&sslmode={mode}&sslrootcert={}", srv.ca);
    let full = db.url(None, "not-named.invalid", &query("verify-full"));
    let e = refused(pg::connect(&full));
    let m = e.to_string();
    assert!(m.contains("does not name host not-named.invalid"), "{m}");
    assert!(m.contains("(it names localhost, 127.0.0.1)"), "{m}");
    assert!(m.contains("verify-ca"), "{m}");
    // verify-ca: the chain is checked (the right CA), the name is not.
    assert!(over_tls(&db.url(None, "not-named.invalid", &query("verify-ca"))));
    // require: no check at all (wrong name, no CA given).
    assert!(over_tls(&db.url(
        None,
        "not-named.invalid",
        "hostaddr=127.0.0.1&sslmode=require"
    )));
}

#[test]
fn sslmode_disable_against_a_server_that_requires_tls_says_so() {
    let Some(srv) = server() else { return };
    let db = Database::new(&srv, "disable");
    let url = db.url(Some("Pw-disable-secret"), "127.0.0.1", "sslmode=disable");
    assert_eq!(pg::settings(&url).unwrap().ssl_mode, SslMode::Disable);
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    let e = refused(pg::push(&s, &url, &mut |_| true));
    let m = e.to_string();
    assert!(m.contains("requires TLS: use sslmode=require or stricter"), "{m}");
    assert!(m.contains(&format!("127.0.0.1:{}", srv.port)), "{m}");
    assert!(!m.contains("Pw-disable-secret"), "{m}");
}

#[test]
fn require_against_a_server_without_tls_says_so() {
    use std::io::{Read, Write};
    // A server that answers the TLS request with "N" (no TLS), as one with ssl=off does.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let answer = std::thread::spawn(move || {
        let (mut sock, _) = listener.accept().unwrap();
        let mut request = [0u8; 8];
        sock.read_exact(&mut request).unwrap();
        sock.write_all(b"N").unwrap();
        request
    });
    let url = format!("postgresql://ann:secret@127.0.0.1:{port}/pd?sslmode=require");
    let e = refused(pg::connect(&url));
    let m = e.to_string();
    assert!(
        m.contains(&format!("the server at 127.0.0.1:{port} does not offer TLS")),
        "{m}"
    );
    assert!(m.contains("sslmode=require"), "{m}");
    assert!(!m.contains("secret"), "{m}");
    // What was asked: the SSLRequest message (length 8, code 80877103).
    assert_eq!(answer.join().unwrap(), [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f]);
}

#[test]
fn an_unreadable_or_empty_sslrootcert_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    // Port 1: nothing listens there; the file is read first.
    let missing = dir.path().join("no-such-ca.pem");
    let url = format!(
        "postgresql://ann:secret@localhost:1/pd?sslmode=verify-full&sslrootcert={}",
        missing.display()
    );
    let e = refused(pg::connect(&url));
    assert!(e.to_string().contains("cannot read the sslrootcert file"), "{e}");
    assert!(e.to_string().contains("no-such-ca.pem"), "{e}");
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let url = format!(
        "postgresql://localhost:1/pd?sslmode=verify-ca&sslrootcert={}",
        empty.display()
    );
    let e = refused(pg::connect(&url));
    assert!(e.to_string().contains("holds no certificate"), "{e}");
}

#[test]
fn the_url_rules_apply_before_any_connection() {
    let mode = |url: &str| pg::settings(url).unwrap().ssl_mode;
    // A host that is not this computer: require at least, whatever is asked.
    for url in [
        "postgresql://ann:pw@db.example.com/pd?sslmode=disable",
        "postgresql://ann:pw@db.example.com/pd?sslmode=prefer",
        "postgresql://ann:pw@db.example.com/pd",
        "postgresql://ann:pw@10.1.2.3:5432/pd?sslmode=disable",
        "host=db.example.com user=ann sslmode=disable",
        // hostaddr is where the connection goes, whatever the name.
        "postgresql://ann@localhost/pd?hostaddr=192.0.2.7&sslmode=disable",
        // One remote host among several is enough.
        "postgresql://ann@localhost,db.example.com/pd?sslmode=disable",
    ] {
        assert_eq!(mode(url), SslMode::Require, "{url}");
        assert!(!pg::settings(url).unwrap().local, "{url}");
    }
    // Stricter modes stay as asked.
    assert_eq!(
        mode("postgresql://db.example.com/pd?sslmode=verify-ca"),
        SslMode::VerifyCa
    );
    assert_eq!(
        mode("postgresql://db.example.com/pd?sslmode=verify-full"),
        SslMode::VerifyFull
    );
    // This computer: as asked, prefer by default.
    assert_eq!(mode("postgresql://127.0.0.1/pd?sslmode=disable"), SslMode::Disable);
    assert_eq!(mode("postgresql://localhost/pd"), SslMode::Prefer);
    assert_eq!(mode("postgresql://[::1]:5433/pd?sslmode=disable"), SslMode::Disable);
    assert_eq!(mode("host=/run/postgresql dbname=pd sslmode=disable"), SslMode::Disable);
    let s = pg::settings("postgresql://ann:pw@db.example.com/pd?sslmode=disable").unwrap();
    assert_eq!(s.requested, Some(SslMode::Disable));
    assert_eq!(s.root_certs, RootCerts::Mozilla);
    assert_eq!(s.hosts, vec!["db.example.com:5432".to_owned()]);
    assert_eq!(s.shown, "postgresql://ann@db.example.com/pd?sslmode=disable");
    // sslrootcert: a file (require then checks the chain), or `system` (verify-full).
    let s = pg::settings("postgresql://db.example.com/pd?sslmode=require&sslrootcert=/etc/ca%20x.pem").unwrap();
    assert_eq!(s.root_certs, RootCerts::File(PathBuf::from("/etc/ca x.pem")));
    assert_eq!(s.ssl_mode, SslMode::VerifyCa);
    assert_eq!(
        mode("postgresql://db.example.com/pd?sslrootcert=system"),
        SslMode::VerifyFull
    );
    let e = refused(pg::settings(
        "postgresql://db.example.com/pd?sslrootcert=system&sslmode=require",
    ));
    assert!(e.to_string().contains("verify-full"), "{e}");
    // Unknown sslmode values are refused, naming the ones there are.
    for bad in ["verify_full", "true", "allow", "REQUIRE"] {
        let e = refused(pg::settings(&format!("postgresql://localhost/pd?sslmode={bad}")));
        assert!(e.to_string().contains("verify-full"), "{e}");
    }
    let e = refused(pg::settings("postgresql://ann:pw@localhost/pd?sslmode=nonsense"));
    assert!(e.to_string().contains("unknown sslmode \"nonsense\""), "{e}");
}

#[test]
fn supabases_transaction_pooler_is_refused_and_its_session_port_is_not() {
    let pooler = "postgresql://postgres.abcdefgh:Pw-pooler-secret@aws-0-eu-central-1.pooler.supabase.com:6543/postgres";
    let e = refused(pg::settings(pooler));
    let m = e.to_string();
    assert!(m.contains("aws-0-eu-central-1.pooler.supabase.com:6543"), "{m}");
    assert!(m.contains("port 5432"), "{m}");
    assert!(m.contains("prepared statements"), "{m}");
    assert!(!m.contains("Pw-pooler-secret"), "{m}");
    // The push says the same, before any connection, and records nothing.
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 2, 1, 9, 0, 0).unwrap());
    let s = Store::open(dir.path().join("p.db"), Arc::new(clock)).unwrap();
    let e = refused(pg::push(&s, pooler, &mut |_| true));
    assert!(e.to_string().contains("port 5432"), "{e}");
    assert!(s.read(sync::status).unwrap().pushes.is_empty());
    // The session pooler (5432) is accepted; a remote host: TLS at least.
    let session = pooler.replace(":6543/", ":5432/");
    assert_eq!(pg::settings(&session).unwrap().ssl_mode, SslMode::Require);
    let kv = "host=aws-0-eu-central-1.pooler.supabase.com port=6543 user=postgres.abcdefgh dbname=postgres";
    refused(pg::settings(kv));
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn the_password_never_lands_in_the_database_an_export_or_a_backup() {
    let Some(srv) = server() else { return };
    let db = Database::new(&srv, "secret");
    let dir = tempfile::tempdir().unwrap();
    let s = store(dir.path());
    // The server trusts loopback connections: the password is sent, not needed.
    let password = "Pw-7f3a9c-never-stored";
    let url = db.url(
        Some(password),
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", srv.ca),
    );
    let r = pg::push(&s, &url, &mut |_| true).unwrap();
    assert!(!r.target.contains(password), "{}", r.target);
    assert_eq!(r.target, pg::redact(&url));
    assert!(
        r.target.starts_with("postgresql://partnerdesk@localhost:"),
        "{}",
        r.target
    );
    // A second push finds its watermark under the same (redacted) target.
    let again = pg::push(&s, &url, &mut |_| true).unwrap();
    assert!(!again.full && again.rows == 0, "{again:?}");
    let status = s.read(sync::status).unwrap();
    assert_eq!(status.pushes.len(), 1);
    assert_eq!(status.pushes[0].target, r.target);
    // A failed push (wrong CA) shows no password either.
    let bad = db.url(
        Some(password),
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", srv.wrong_ca),
    );
    let e = pg::push(&s, &bad, &mut |_| true).unwrap_err();
    assert!(!e.to_string().contains(password), "{e}");
    // Everything written here: the database (and its WAL), exports, the feed, a backup.
    let out = dir.path().join("out");
    export::export(&s, &out.join("json"), Format::Json, None, &mut |_| true).unwrap();
    export::export(&s, &out.join("csv"), Format::Csv, None, &mut |_| true).unwrap();
    sync::export(&s, &out.join("feed"), &mut |_| true).unwrap();
    backup::create(&s, BackupKind::Manual, &mut |_| true).unwrap();
    let everything = files(dir.path());
    assert!(everything.len() > 10, "{everything:?}");
    assert!(everything.iter().any(|p| p.extension().is_some_and(|e| e == "db")));
    // The target is there (so this search does look at the right bytes)...
    let shown_host = format!("localhost:{}", srv.port);
    let mut seen_target = false;
    for f in &everything {
        let bytes = std::fs::read(f).unwrap();
        assert!(
            !bytes.windows(password.len()).any(|w| w == password.as_bytes()),
            "the password is in {}",
            f.display()
        );
        seen_target |= bytes.windows(shown_host.len()).any(|w| w == shown_host.as_bytes());
    }
    assert!(seen_target, "the push's target is in none of {everything:?}");
    drop(s);
    let db_bytes = std::fs::read(dir.path().join("src.db")).unwrap();
    assert!(!db_bytes.windows(password.len()).any(|w| w == password.as_bytes()));
}
