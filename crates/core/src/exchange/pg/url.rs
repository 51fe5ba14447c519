//! The PostgreSQL URL as Partnerdesk reads it: `sslmode` (with libpq's
//! meanings; at least `require` for a host that is not this computer),
//! `sslrootcert`, the targets refused before any connection, and the URL
//! with its password masked for everything shown or stored.

use super::conn::describe_error;
use crate::error::{Error, Result};
use std::fmt;
use std::net::IpAddr;
use std::path::PathBuf;

/// `sslmode`, with libpq's meanings (ordered from weakest to strictest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// TLS when the server offers it, without a certificate check; else plain.
    Prefer,
    /// TLS, without a certificate check.
    Require,
    /// TLS; the certificate must chain to a trusted root (any host name).
    VerifyCa,
    /// TLS; the certificate must chain to a trusted root and name the host.
    VerifyFull,
}

impl SslMode {
    pub fn parse(s: &str) -> Result<SslMode> {
        Ok(match s {
            "disable" => SslMode::Disable,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            "allow" => {
                return Err(Error::validation(
                    "postgres",
                    "sslmode=allow is not supported: use prefer (the default), require, verify-ca or verify-full",
                ))
            }
            other => {
                return Err(Error::validation(
                    "postgres",
                    format!(
                    "unknown sslmode {other:?}: use disable, prefer (the default), require, verify-ca or verify-full"
                ),
                ))
            }
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the trusted root certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// Mozilla's roots, shipped in the `webpki-roots` crate.
    Mozilla,
    /// `sslrootcert=FILE`: the PEM certificates of that file, and only those.
    File(PathBuf),
}

impl fmt::Display for RootCerts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootCerts::Mozilla => f.write_str("any of Mozilla's root certificates"),
            RootCerts::File(p) => write!(f, "a CA of the sslrootcert file {}", p.display()),
        }
    }
}

/// How a URL is connected to, after the rules above; made by
/// [`settings`] without connecting.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The URL without its password.
    pub shown: String,
    /// The `sslmode` of the URL, if any.
    pub requested: Option<SslMode>,
    /// The `sslmode` in force.
    pub ssl_mode: SslMode,
    pub root_certs: RootCerts,
    /// Whether every host is this computer (loopback address, `localhost`, Unix socket).
    pub local: bool,
    /// `host:port` of each host, for messages.
    pub hosts: Vec<String>,
    /// The rest of the URL, parsed (sslmode set to what tokio-postgres knows).
    pub(super) config: postgres::Config,
}

impl Settings {
    /// The hosts as `host:port`, joined for a message.
    pub fn where_(&self) -> String {
        self.hosts.join(", ")
    }
}

/// Read `url` (a `postgres://`/`postgresql://` URL or a `key=value`
/// string): its TLS settings, the rules applied, nothing connected.
pub fn settings(url: &str) -> Result<Settings> {
    let shown = redact(url);
    let (rest, ssl) = strip_ssl_params(url)
        .map_err(|e| Error::validation("postgres", format!("{shown:?} is not a PostgreSQL URL: {e}")))?;
    let mut config: postgres::Config = rest.parse().map_err(|e: postgres::Error| {
        Error::validation(
            "postgres",
            format!("{shown:?} is not a PostgreSQL URL: {}", describe_error(&e)),
        )
    })?;
    let requested = ssl.mode.as_deref().map(SslMode::parse).transpose()?;
    let system = ssl.root_cert.as_deref() == Some("system");
    let root_certs = match ssl.root_cert.as_deref() {
        None | Some("system") => RootCerts::Mozilla,
        Some("") => {
            return Err(Error::validation(
                "postgres",
                "sslrootcert is empty: give the path of a PEM file with the CA certificate",
            ))
        }
        Some(path) => RootCerts::File(PathBuf::from(path)),
    };

    // The hosts, as tokio-postgres pairs them with hostaddr and port.
    let hosts = config.get_hosts();
    let addrs = config.get_hostaddrs();
    let ports = config.get_ports();
    let n = hosts.len().max(addrs.len());
    let mut local = n > 0;
    let mut shown_hosts = Vec::with_capacity(n);
    for i in 0..n {
        let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
        let name = match hosts.get(i) {
            Some(postgres::config::Host::Tcp(h)) => Some(h.clone()),
            #[cfg(unix)]
            Some(postgres::config::Host::Unix(p)) => {
                shown_hosts.push(p.display().to_string());
                continue;
            }
            None => None,
        };
        let here = match (addrs.get(i), &name) {
            (Some(a), _) => a.is_loopback(),
            (None, Some(h)) => is_loopback_name(h),
            (None, None) => false,
        };
        local &= here;
        let label = name.clone().unwrap_or_else(|| addrs[i].to_string());
        if let Some(h) = &name {
            if port == 6543
                && h.to_ascii_lowercase()
                    .trim_end_matches('.')
                    .ends_with(".pooler.supabase.com")
            {
                return Err(Error::validation(
                    "postgres",
                    format!(
                        "{h}:6543 is Supabase's transaction pooler, which does not support the prepared statements Partnerdesk uses: use port 5432 of the same host (the session pooler) or the direct connection"
                    ),
                ));
            }
        }
        shown_hosts.push(if label.contains(':') {
            format!("[{label}]:{port}")
        } else {
            format!("{label}:{port}")
        });
    }

    let mut ssl_mode = match requested {
        Some(m) => m,
        None if system => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    if system && ssl_mode < SslMode::VerifyFull {
        return Err(Error::validation(
            "postgres",
            format!("sslrootcert=system needs sslmode=verify-full (not {ssl_mode})"),
        ));
    }
    // Never a password in clear to another computer.
    if !local && ssl_mode < SslMode::Require {
        ssl_mode = SslMode::Require;
    }
    // libpq: with a root certificate file, require checks the chain.
    if ssl_mode == SslMode::Require && matches!(root_certs, RootCerts::File(_)) {
        ssl_mode = SslMode::VerifyCa;
    }
    config.ssl_mode(match ssl_mode {
        SslMode::Disable => postgres::config::SslMode::Disable,
        SslMode::Prefer => postgres::config::SslMode::Prefer,
        _ => postgres::config::SslMode::Require,
    });
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(std::time::Duration::from_secs(10));
    }
    Ok(Settings {
        shown,
        requested,
        ssl_mode,
        root_certs,
        local,
        hosts: shown_hosts,
        config,
    })
}

fn is_loopback_name(h: &str) -> bool {
    let h = h.trim_end_matches('.');
    h.eq_ignore_ascii_case("localhost")
        || h.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|a| a.is_loopback())
}

// ---- reading the URL ------------------------------------------------------

/// The TLS parameters tokio-postgres does not know, taken out of the URL.
#[derive(Debug, Default)]
struct SslParams {
    mode: Option<String>,
    root_cert: Option<String>,
}

const OURS: [&str; 2] = ["sslmode", "sslrootcert"];

/// `url` without `sslmode`/`sslrootcert`, and their values.
fn strip_ssl_params(url: &str) -> std::result::Result<(String, SslParams), String> {
    let mut ssl = SslParams::default();
    let mut take = |key: &str, value: String| match key {
        "sslmode" => ssl.mode = Some(value),
        _ => ssl.root_cert = Some(value),
    };
    if let Some(rest) = ["postgres://", "postgresql://"]
        .iter()
        .find_map(|p| url.strip_prefix(p))
    {
        let prefix = &url[..url.len() - rest.len()];
        let Some((head, query)) = rest.split_once('?') else {
            return Ok((url.to_owned(), ssl));
        };
        let mut kept = Vec::new();
        for kv in query.split('&') {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let key = percent_decode(k);
            if OURS.contains(&key.as_str()) {
                take(&key, percent_decode(v));
            } else {
                kept.push(kv);
            }
        }
        let out = if kept.is_empty() {
            format!("{prefix}{head}")
        } else {
            format!("{prefix}{head}?{}", kept.join("&"))
        };
        Ok((out, ssl))
    } else {
        let mut kept = Vec::new();
        for p in key_values(url)? {
            if OURS.contains(&p.key) {
                take(p.key, p.value);
            } else {
                kept.push(format!(
                    "{}='{}'",
                    p.key,
                    p.value.replace('\\', "\\\\").replace('\'', "\\'")
                ));
            }
        }
        Ok((kept.join(" "), ssl))
    }
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// One `key = value` of a key/value connection string, with where it is.
struct KeyValue<'a> {
    key: &'a str,
    value: String,
    span: std::ops::Range<usize>,
}

/// The pairs of a key/value connection string, read as tokio-postgres (and
/// libpq) read them: blanks around `=`, values in single quotes or bare,
/// backslash escapes.
fn key_values(s: &str) -> std::result::Result<Vec<KeyValue<'_>>, String> {
    let b: Vec<(usize, char)> = s.char_indices().collect();
    let at = |i: usize| b.get(i).map_or(s.len(), |(o, _)| *o);
    let mut i = 0;
    let mut out = Vec::new();
    loop {
        while i < b.len() && b[i].1.is_whitespace() {
            i += 1;
        }
        if i == b.len() {
            return Ok(out);
        }
        let start = i;
        while i < b.len() && !b[i].1.is_whitespace() && b[i].1 != '=' {
            i += 1;
        }
        let key = &s[at(start)..at(i)];
        while i < b.len() && b[i].1.is_whitespace() {
            i += 1;
        }
        if i == b.len() || b[i].1 != '=' {
            return Err(format!("expected `=` after {key:?}"));
        }
        i += 1;
        while i < b.len() && b[i].1.is_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i].1 == '\'' {
            i += 1;
            loop {
                match b.get(i).map(|c| c.1) {
                    None => return Err("unterminated quoted value".into()),
                    Some('\'') => {
                        i += 1;
                        break;
                    }
                    Some('\\') => {
                        if let Some(c) = b.get(i + 1) {
                            value.push(c.1);
                        }
                        i += 2;
                    }
                    Some(c) => {
                        value.push(c);
                        i += 1;
                    }
                }
            }
        } else {
            while i < b.len() && !b[i].1.is_whitespace() {
                if b[i].1 == '\\' {
                    if let Some(c) = b.get(i + 1) {
                        value.push(c.1);
                    }
                    i += 2;
                } else {
                    value.push(b[i].1);
                    i += 1;
                }
            }
            if value.is_empty() {
                return Err(format!("no value for {key:?}"));
            }
        }
        let end = at(i.min(b.len()));
        out.push(KeyValue {
            key,
            value,
            span: at(start)..end,
        });
    }
}

/// The URL without its password (`postgres://user:secret@host/db` ->
/// `postgres://user@host/db`; a `password` parameter dropped, in a URL's
/// query or a key/value string). A key/value string that cannot be read is
/// cut before its first "password".
pub fn redact(url: &str) -> String {
    let scheme_end = url.find("://").filter(|&i| {
        i > 0
            && url[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    });
    if let Some(i) = scheme_end {
        let (scheme, rest) = (&url[..i], &url[i + 3..]);
        // The credentials end at the last '@' before the query (a password
        // typed with '@' or '/' in it), else at the first '@' (tokio-postgres
        // ends them there): always at least what the driver takes as the password.
        let before_query = rest.find('?').map_or(rest, |q| &rest[..q]);
        let joined = match before_query.rfind('@').or_else(|| rest.find('@')) {
            Some(at) => format!("{}@{}", rest[..at].split(':').next().unwrap_or(""), &rest[at + 1..]),
            None => rest.to_owned(),
        };
        // Then no password parameter after the first '?' (wherever it is).
        let rest = match joined.split_once('?') {
            Some((head, query)) => {
                let kept: Vec<&str> = query
                    .split('&')
                    .filter(|kv| {
                        let k = kv.split_once('=').map_or(*kv, |(k, _)| k);
                        !percent_decode(k).eq_ignore_ascii_case("password")
                    })
                    .collect();
                if kept.is_empty() {
                    head.to_owned()
                } else {
                    format!("{head}?{}", kept.join("&"))
                }
            }
            None => joined,
        };
        format!("{scheme}://{rest}")
    } else {
        match key_values(url) {
            Ok(pairs) => pairs
                .iter()
                .filter(|p| !p.key.eq_ignore_ascii_case("password"))
                .map(|p| &url[p.span.clone()])
                .collect::<Vec<_>>()
                .join(" "),
            Err(_) => {
                let cut = url.to_ascii_lowercase().find("password").unwrap_or(url.len());
                let head = url[..cut].trim_end();
                if cut < url.len() {
                    format!("{head} …")
                } else {
                    head.to_owned()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redact_drops_every_form_of_password() {
        let cases = [
            (
                "postgres://ann:secret@db.example.com:5432/pd",
                "postgres://ann@db.example.com:5432/pd",
            ),
            ("postgresql://ann:se/cr?et@h/pd", "postgresql://ann@h/pd"),
            (
                "postgresql://ann:se@cr/et@h/pd?sslmode=require",
                "postgresql://ann@h/pd?sslmode=require",
            ),
            ("postgresql://ann:se@cret@h/pd", "postgresql://ann@h/pd"),
            (
                "postgresql://ann:s%40cret@h/pd?sslmode=require",
                "postgresql://ann@h/pd?sslmode=require",
            ),
            (
                "postgresql://ann@h/pd?password=secret&sslmode=require",
                "postgresql://ann@h/pd?sslmode=require",
            ),
            ("postgresql://ann@h/pd?pass%77ord=secret", "postgresql://ann@h/pd"),
            ("postgresql://h/pd?PASSWORD=secret", "postgresql://h/pd"),
            (
                "postgresql://h/pd?user=a@b&password=secret",
                "postgresql://h/pd?user=a@b",
            ),
            ("host=x password=secret user=ann", "host=x user=ann"),
            ("host=x password = 'se cret' user=ann", "host=x user=ann"),
            ("host=x password='it\\'s secret' user=ann", "host=x user=ann"),
            ("host=x password=se\\ cret user=ann", "host=x user=ann"),
            ("host=x user=ann password='unterminated secret", "host=x user=ann …"),
        ];
        for (url, want) in cases {
            let got = redact(url);
            assert_eq!(got, want, "{url}");
            assert!(!got.contains("secret") && !got.contains("cret"), "{got}");
        }
    }

    #[test]
    fn ssl_params_are_taken_out_of_both_forms() {
        let (rest, ssl) = strip_ssl_params(
            "postgresql://a@h:1/d?connect_timeout=3&sslmode=verify-full&sslrootcert=%2Ftmp%2Fca%20x.pem",
        )
        .unwrap();
        assert_eq!(rest, "postgresql://a@h:1/d?connect_timeout=3");
        assert_eq!(ssl.mode.as_deref(), Some("verify-full"));
        assert_eq!(ssl.root_cert.as_deref(), Some("/tmp/ca x.pem"));
        let (rest, ssl) = strip_ssl_params("host=h sslmode = require sslrootcert='/a b/c.pem' user=it\\'s").unwrap();
        assert_eq!(rest, "host='h' user='it\\'s'");
        assert_eq!(ssl.mode.as_deref(), Some("require"));
        assert_eq!(ssl.root_cert.as_deref(), Some("/a b/c.pem"));
        let c: postgres::Config = rest.parse().unwrap();
        assert_eq!(c.get_user(), Some("it's"));
    }

    #[test]
    fn loopback_names() {
        for h in ["localhost", "LOCALHOST", "localhost.", "127.0.0.1", "127.1.2.3", "::1"] {
            assert!(is_loopback_name(h), "{h}");
        }
        for h in ["db.example.com", "10.0.0.1", "localhost.example.com", "::2"] {
            assert!(!is_loopback_name(h), "{h}");
        }
    }
}
