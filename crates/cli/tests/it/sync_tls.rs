//! `partnerdesk sync push` over TLS, as a user runs it, against the server of
//! scripts/with-postgres.sh (TLS compulsory; PARTNERDESK_TEST_PG_URL, _CA and
//! _WRONG_CA; required when CI=true): verified TLS works, the refusals are
//! clear, and no password is ever printed.

use crate::common::Db;
use partnerdesk_core::exchange::pg;

struct Server {
    url: String,
    port: String,
    ca: String,
    wrong_ca: String,
}

fn server() -> Option<Server> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (
        var("PARTNERDESK_TEST_PG_URL"),
        var("PARTNERDESK_TEST_PG_CA"),
        var("PARTNERDESK_TEST_PG_WRONG_CA"),
    ) {
        (Some(url), Some(ca), Some(wrong_ca)) => {
            let port = pg::settings(&url).unwrap().hosts[0]
                .rsplit_once(':')
                .unwrap()
                .1
                .to_owned();
            Some(Server {
                url,
                port,
                ca,
                wrong_ca,
            })
        }
        _ => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "PARTNERDESK_TEST_PG_URL/_CA/_WRONG_CA are not set: in CI the PostgreSQL tests must run"
            );
            eprintln!("skipped: PARTNERDESK_TEST_PG_URL is not set (run through scripts/with-postgres.sh)");
            None
        }
    }
}

const PASSWORD: &str = "Pw-cli-4b1d-not-shown";

#[test]
fn push_over_verified_tls_and_the_refusals() {
    let Some(srv) = server() else { return };
    let name = format!("pd_cli_tls_{}", std::process::id());
    let mut admin = pg::connect(&srv.url).unwrap();
    admin.batch_execute(&format!("DROP DATABASE IF EXISTS {name}")).unwrap();
    admin.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let url =
        |host: &str, query: String| format!("postgresql://partnerdesk:{PASSWORD}@{host}:{}/{name}?{query}", srv.port);
    let verified = url("localhost", format!("sslmode=verify-full&sslrootcert={}", srv.ca));

    let db = Db::new();
    let p = db.partner("Ann", "ann@agency.com");
    db.lead(&p, "c@x.com", "1234.56");
    // --postgres: verified TLS, the target shown without the password.
    let first = db.json(&["sync", "push", "--postgres", &verified]);
    assert_eq!(first["full"], true);
    let target = first["target"].as_str().unwrap();
    assert!(
        target.starts_with(&format!("postgresql://partnerdesk@localhost:{}/", srv.port)),
        "{target}"
    );
    assert!(!target.contains(PASSWORD), "{target}");
    // $PARTNERDESK_PG_URL, plain output: the same target, nothing new to send.
    let o = db
        .cmd(&["sync", "push"])
        .env("PARTNERDESK_PG_URL", &verified)
        .output()
        .unwrap();
    let (out, err) = (crate::common::stdout(&o), crate::common::stderr(&o));
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(crate::common::field(&out, "Target"), target);
    assert_eq!(crate::common::field(&out, "Rows sent"), "0");
    assert!(!out.contains(PASSWORD) && !err.contains(PASSWORD), "{out}{err}");

    // Refused, each with what to do; exit 3 (validation, field postgres); nothing changes here.
    let at = format!("localhost:{}", srv.port);
    let wrong_ca = url("localhost", format!("sslmode=verify-full&sslrootcert={}", srv.wrong_ca));
    let err = db.rejects(
        &["sync", "push", "--postgres", &wrong_ca],
        3,
        "validation",
        Some("postgres"),
        &["is not signed by", &srv.wrong_ca, &at],
    );
    assert!(!err.contains(PASSWORD), "{err}");
    let wrong_name = url(
        "not-named.invalid",
        format!("hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert={}", srv.ca),
    );
    let err = db.rejects(
        &["sync", "push", "--postgres", &wrong_name],
        3,
        "validation",
        Some("postgres"),
        &["does not name host not-named.invalid", "verify-ca"],
    );
    assert!(!err.contains(PASSWORD), "{err}");
    let plain = url("127.0.0.1", "sslmode=disable".into());
    let err = db.rejects(
        &["sync", "push", "--postgres", &plain],
        3,
        "validation",
        Some("postgres"),
        &["requires TLS: use sslmode=require or stricter"],
    );
    assert!(!err.contains(PASSWORD), "{err}");
    let err = db.rejects(
        &[
            "sync",
            "push",
            "--postgres",
            &url("localhost", "sslmode=verify_full".into()),
        ],
        3,
        "validation",
        Some("postgres"),
        &["unknown sslmode \"verify_full\"", "verify-full"],
    );
    assert!(!err.contains(PASSWORD), "{err}");
    let pooler = format!("postgresql://postgres.abc:{PASSWORD}@aws-0-eu-west-2.pooler.supabase.com:6543/postgres");
    let err = db.rejects(
        &["sync", "push", "--postgres", &pooler],
        3,
        "validation",
        Some("postgres"),
        &["transaction pooler", "port 5432"],
    );
    assert!(!err.contains(PASSWORD), "{err}");

    // The database file holds the target without the password.
    let bytes = std::fs::read(&db.path).unwrap();
    assert!(!bytes.windows(PASSWORD.len()).any(|w| w == PASSWORD.as_bytes()));

    drop(admin);
    let mut admin = pg::connect(&srv.url).unwrap();
    admin
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .unwrap();
}
