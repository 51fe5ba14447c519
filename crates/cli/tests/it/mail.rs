//! E-mail against a real SMTP server (Debian's python3-aiosmtpd, started by
//! each test on a free loopback port: scripts/smtp-test-server.py), and the
//! webhook against a local HTTP server: the approval e-mail arrives with the
//! partner's name and address, a server that is down leaves the messages
//! queued with the error and they go out once when it is back, a rejected
//! recipient ends failed with the server's reply, a wrong password is a
//! clear error that loses nothing, and a sender killed while sending never
//! produces a duplicate.

use crate::common::{stderr, stdout, Db};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PYTHON: &str = "/usr/bin/python3";

/// A free loopback port (bound and released).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The test SMTP server, killed when dropped.
struct Smtp {
    child: Option<Child>,
    port: u16,
    maildir: PathBuf,
    args: Vec<String>,
    _dir: tempfile::TempDir,
}

impl Smtp {
    fn start(args: &[&str]) -> Smtp {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Smtp {
            child: None,
            port: free_port(),
            maildir: dir.path().join("maildir"),
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            _dir: dir,
        };
        s.up();
        s
    }

    /// Start it (again) on its port; returns when it accepts connections.
    fn up(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/smtp-test-server.py");
        let mut child = Command::new(PYTHON)
            .arg(&script)
            .args(["--port", &self.port.to_string(), "--maildir"])
            .arg(&self.maildir)
            .args(&self.args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start /usr/bin/python3 (make test installs python3-aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if !line.starts_with("ready") {
            let mut err = String::new();
            child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
            panic!("the test SMTP server did not start (is python3-aiosmtpd installed? make test installs it): {err}");
        }
        self.child = Some(child);
    }

    fn down(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// The messages it stored, as text.
    fn messages(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(self.maildir.join("new")) else {
            return Vec::new();
        };
        dir.map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
            .collect()
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        self.down();
    }
}

/// A database that sends through the test server (plain SMTP on loopback).
fn mail_db(port: u16) -> Db {
    let db = Db::new();
    db.ok(&[
        "settings",
        "set",
        "smtp.from",
        "Agency Partners <partners@agency.example>",
    ]);
    db.ok(&["settings", "set", "smtp.host", "127.0.0.1"]);
    db.ok(&["settings", "set", "smtp.security", "none"]);
    db.ok(&["settings", "set", "smtp.port", &port.to_string()]);
    db
}

fn send(db: &Db) -> (Option<i32>, Value, String) {
    let o = db.run(&["outbox", "send", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap_or_else(|e| panic!("{e}: {}", stderr(&o)));
    (o.status.code(), v, stderr(&o))
}

fn outbox(db: &Db, status: &str) -> Vec<Value> {
    db.json(&["outbox", "list", "--status", status])
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn the_approval_email_arrives_with_the_partners_name_and_address() {
    let smtp = Smtp::start(&[]);
    let db = mail_db(smtp.port);
    db.partner("Ann Lee", "ann@leedigital.example");
    assert_eq!(outbox(&db, "queued").len(), 3, "received, approved, welcome day 0");
    let (code, r, err) = send(&db);
    assert_eq!(code, Some(0), "{r} {err}");
    assert_eq!(r["sent"].as_array().unwrap().len(), 3, "{r}");
    assert_eq!(r["queued"], 0);
    let sent = outbox(&db, "sent");
    let approval = sent.iter().find(|m| m["event"] == "application_approved").unwrap();
    let mail = smtp
        .messages()
        .into_iter()
        .find(|m| m.contains("your application is approved"))
        .expect("the approval e-mail reached the server");
    assert!(mail.contains("To: \"Ann Lee\" <ann@leedigital.example>"), "{mail}");
    assert!(
        mail.contains("From: \"Agency Partners\" <partners@agency.example>")
            || mail.contains("From: Agency Partners <partners@agency.example>"),
        "{mail}"
    );
    assert!(mail.contains("Subject: Welcome aboard, Ann Lee"), "{mail}");
    assert!(mail.contains("Hello Ann Lee"), "{mail}");
    let id = approval["message_id"].as_str().unwrap();
    assert!(mail.contains(&format!("Message-ID: {id}")), "{id} in {mail}");
    // Sending again sends nothing more.
    let (_, r, _) = send(&db);
    assert_eq!(r["sent"].as_array().unwrap().len(), 0);
    assert_eq!(smtp.messages().len(), 3);
    assert!(db.ok(&["doctor"]).contains("intact"));
}

#[test]
fn a_server_that_is_down_leaves_them_queued_and_they_go_out_once_when_it_is_back() {
    let mut smtp = Smtp::start(&[]);
    smtp.down();
    let db = mail_db(smtp.port);
    db.partner("Bo Chen", "bo@chen.example");
    let (code, r, err) = send(&db);
    assert_eq!(code, Some(1), "{r}");
    assert!(err.contains("cannot reach the SMTP server 127.0.0.1"), "{err}");
    let queued = outbox(&db, "queued");
    assert_eq!(queued.len(), 3);
    for m in &queued {
        let e = m["last_error"].as_str().unwrap();
        assert!(e.contains("cannot reach the SMTP server"), "{e}");
    }
    smtp.up();
    let (code, r, _) = send(&db);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["sent"].as_array().unwrap().len(), 3);
    let (_, r, _) = send(&db);
    assert_eq!(r["sent"].as_array().unwrap().len(), 0);
    assert_eq!(smtp.messages().len(), 3, "each message once");
    for m in outbox(&db, "sent") {
        assert_eq!(m["attempts"], 1, "{m}");
        assert_eq!(m["last_error"], Value::Null);
    }
}

#[test]
fn a_rejected_recipient_ends_failed_with_the_servers_reply() {
    let smtp = Smtp::start(&["--reject", "nobody@gone.example"]);
    let db = mail_db(smtp.port);
    db.partner("Cy Gone", "nobody@gone.example");
    db.partner("Di Here", "di@here.example");
    let (code, r, _) = send(&db);
    assert_eq!(code, Some(0), "a refused message is not a failed run: {r}");
    assert_eq!(r["sent"].as_array().unwrap().len(), 3);
    let failed = outbox(&db, "failed");
    assert_eq!(failed.len(), 3, "{failed:?}");
    for m in &failed {
        assert_eq!(m["recipient"], "nobody@gone.example");
        let e = m["last_error"].as_str().unwrap();
        assert!(e.contains("550") && e.contains("Recipient address rejected"), "{e}");
    }
    assert!(smtp.messages().iter().all(|m| !m.contains("nobody@gone.example")));
    // Retry puts it back in the queue; cancel takes it out for good.
    let id = failed[0]["id"].as_str().unwrap();
    assert_eq!(db.json(&["outbox", "retry", id])["status"], "queued");
    assert_eq!(db.json(&["outbox", "cancel", id])["status"], "cancelled");
    db.rejects(&["outbox", "cancel", id], 5, "invalid_transition", None, &["cancelled"]);
}

/// The binary with its password store in a folder of the test (never the user's keyring).
fn with_secrets(db: &Db, dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_partnerdesk"));
    c.env_remove("PARTNERDESK_DB")
        .env("PARTNERDESK_SECRET_STORE", "file")
        .env("PARTNERDESK_CONFIG_DIR", dir)
        .env("PARTNERDESK_LOG_DIR", db.log_dir())
        .arg("--db")
        .arg(&db.path)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_wrong_password_is_a_clear_error_and_loses_nothing_and_the_password_stays_out_of_the_database() {
    let smtp = Smtp::start(&["--user", "agency", "--password", "right-horse-battery"]);
    let db = mail_db(smtp.port);
    let secrets = tempfile::tempdir().unwrap();
    db.ok(&["settings", "set", "smtp.user", "agency"]);
    db.partner("Ed Wu", "ed@wu.example");
    let o = with_secrets(&db, secrets.path(), &["outbox", "send"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("no SMTP password is kept for agency"),
        "{}",
        stdout(&o)
    );
    let o = with_secrets(&db, secrets.path(), &["smtp-password", "--json"], "wrong-password\n");
    assert!(o.status.success(), "{}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(v["stored_in"], "file");
    let file = secrets.path().join("smtp-passwords.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let o = with_secrets(&db, secrets.path(), &["outbox", "send"], "");
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("refused the login"), "{}", stdout(&o));
    assert_eq!(outbox(&db, "queued").len(), 3, "nothing lost");
    assert!(smtp.messages().is_empty());
    with_secrets(&db, secrets.path(), &["smtp-password"], "right-horse-battery\n");
    let o = with_secrets(&db, secrets.path(), &["outbox", "send", "--json"], "");
    assert!(o.status.success(), "{}{}", stdout(&o), stderr(&o));
    assert_eq!(smtp.messages().len(), 3);
    // Not in the database file (nor its WAL), so not in its exports and backups either.
    db.ok(&["backup", "create"]);
    let mut files = vec![db.path.clone()];
    for e in std::fs::read_dir(db.path.parent().unwrap()).unwrap().flatten() {
        if e.path().is_file() {
            files.push(e.path());
        }
    }
    for e in std::fs::read_dir(db.path.with_file_name("backups")).unwrap().flatten() {
        files.push(e.path());
    }
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        assert!(
            !bytes.windows(19).any(|w| w == b"right-horse-battery"),
            "the password is in {}",
            f.display()
        );
    }
}

#[test]
fn a_sender_killed_while_sending_never_sends_twice() {
    let smtp = Smtp::start(&["--hold", "held@slow.example"]);
    let db = mail_db(smtp.port);
    let t0 = "2030-03-04T09:00:00Z";
    let at = |now: &str, args: &[&str]| {
        let mut c = db.cmd(args);
        c.env("PARTNERDESK_NOW", now);
        c.output().unwrap()
    };
    // Only the approval e-mail.
    for t in ["application_received", "welcome_day0"] {
        assert!(at(t0, &["template", "set", t, "--off"]).status.success());
    }
    let app = at(
        t0,
        &[
            "application",
            "add",
            "--name",
            "Fay Held",
            "--email",
            "held@slow.example",
            "--json",
        ],
    );
    let app: Value = serde_json::from_slice(&app.stdout).unwrap();
    assert!(at(t0, &["application", "approve", app["id"].as_str().unwrap()])
        .status
        .success());
    assert_eq!(outbox(&db, "queued").len(), 1);
    let mut sender = std::process::Command::new(env!("CARGO_BIN_EXE_partnerdesk"));
    sender
        .env_remove("PARTNERDESK_DB")
        .env("PARTNERDESK_NOW", t0)
        .env("PARTNERDESK_LOG_DIR", db.log_dir())
        .arg("--db")
        .arg(&db.path)
        .args(["outbox", "send"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = sender.spawn().unwrap();
    // The server has the message (and holds its answer): kill the sender now.
    let deadline = Instant::now() + Duration::from_secs(60);
    while smtp.messages().is_empty() {
        assert!(Instant::now() < deadline, "the message never reached the server");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sender ended before it was killed"
        );
        std::thread::yield_now();
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let sending = outbox(&db, "sending");
    assert_eq!(sending.len(), 1, "marked sending before the server was asked");
    // Another run at once leaves it alone (its sender might still be at work).
    let o = at(t0, &["outbox", "send", "--json"]);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["sent"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(outbox(&db, "sending").len(), 1);
    // After the lease, it is failed with the note, never sent again by itself.
    let o = at("2030-03-04T09:11:00Z", &["outbox", "send", "--json"]);
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(r["interrupted"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["sent"].as_array().unwrap().len(), 0, "{r}");
    let failed = outbox(&db, "failed");
    assert_eq!(failed.len(), 1);
    assert!(failed[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("may or may not have been delivered"));
    assert_eq!(smtp.messages().len(), 1, "no duplicate");
    assert!(db.ok(&["doctor"]).contains("intact"));
}

/// A local HTTP server answering `status` to each request; gives the bodies it got.
fn http_server(status: &'static str, n: usize) -> (u16, std::thread::JoinHandle<Vec<String>>) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = std::thread::spawn(move || {
        let mut bodies = Vec::new();
        for _ in 0..n {
            let (mut s, _) = l.accept().unwrap();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let k = s.read(&mut chunk).unwrap();
                buf.extend_from_slice(&chunk[..k]);
                let text = String::from_utf8_lossy(&buf).to_string();
                if let Some(i) = text.find("\r\n\r\n") {
                    let len: usize = text
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse().unwrap())
                        })
                        .unwrap_or(0);
                    if buf.len() >= i + 4 + len || k == 0 {
                        bodies.push(text[i + 4..].to_owned());
                        break;
                    }
                }
                if k == 0 {
                    break;
                }
            }
            s.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok").as_bytes())
                .unwrap();
        }
        bodies
    });
    (port, h)
}

#[test]
fn events_reach_the_webhook_through_the_outbox() {
    let (port, server) = http_server("200 OK", 3);
    let db = Db::new();
    db.ok(&[
        "settings",
        "set",
        "webhook.url",
        &format!("http://127.0.0.1:{port}/hook"),
    ]);
    db.partner("Gil Hook", "gil@hook.example");
    let queued = outbox(&db, "queued");
    let hooks: Vec<&Value> = queued.iter().filter(|m| m["channel"] == "webhook").collect();
    assert_eq!(hooks.len(), 3, "received, approved, welcome: {queued:?}");
    assert_eq!(queued.len(), 6, "and the same three as e-mails");
    // No SMTP sender: the e-mails wait (exit 1 says so), the webhook's go out.
    let (code, r, _) = send(&db);
    assert_eq!(code, Some(1), "{r}");
    assert!(r["error"].as_str().unwrap().contains("smtp.from"), "{r}");
    assert_eq!(r["sent"].as_array().unwrap().len(), 3);
    let bodies = server.join().unwrap();
    assert!(
        bodies.iter().any(|b| b.contains("Application approved: Gil Hook")),
        "{bodies:?}"
    );
    for b in &bodies {
        let v: Value = serde_json::from_str(b).unwrap();
        assert_eq!(v["text"], v["content"], "Slack's and Discord's field");
    }
    // A refusal (4xx) fails the message with the answer.
    let (port, server) = http_server("404 Not Found", 1);
    db.ok(&[
        "settings",
        "set",
        "webhook.url",
        &format!("http://127.0.0.1:{port}/gone"),
    ]);
    let rejected = db.json(&["application", "add", "--name", "Hal", "--email", "hal@x.example"]);
    assert!(rejected["id"].is_string());
    let (_, r, _) = send(&db);
    server.join().unwrap();
    let failed = r["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{r}");
    assert!(failed[0]["error"].as_str().unwrap().contains("404"));
}

#[test]
fn starttls_with_a_certificate_nobody_vouches_for_is_refused_clearly_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (crt, key) = (dir.path().join("server.crt"), dir.path().join("server.key"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-x509",
            "-days",
            "2",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
        ])
        .arg(&key)
        .arg("-out")
        .arg(&crt)
        .output()
        .expect("openssl (make test has it: scripts/with-postgres.sh installs it)");
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let smtp = Smtp::start(&["--tls-cert", crt.to_str().unwrap(), "--tls-key", key.to_str().unwrap()]);
    let db = mail_db(smtp.port);
    db.ok(&["settings", "set", "smtp.security", "starttls"]);
    db.ok(&["settings", "set", "smtp.host", "localhost"]);
    db.partner("Ike Tls", "ike@tls.example");
    let (code, r, err) = send(&db);
    assert_eq!(code, Some(1), "{r}");
    assert!(
        err.contains("SMTP server localhost") && err.to_lowercase().contains("certificate"),
        "{err}"
    );
    assert_eq!(outbox(&db, "queued").len(), 3, "nothing lost");
    assert!(smtp.messages().is_empty());
}
