//! A notification POSTed to an incoming webhook (Slack, Discord): one
//! HTTP/1.1 request with a JSON body, over TLS (rustls, ring, Mozilla's
//! roots) for `https://`; plain `http://` is for a server on this computer.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

pub enum HookError {
    /// The server answered with a refusal (4xx): sending again will not help.
    Refused(String),
    /// No answer, or a temporary one (5xx, 429): try later.
    Unreachable(String),
}

struct Target {
    tls: bool,
    host: String,
    port: u16,
    path: String,
}

fn parse(url: &str) -> Result<Target, String> {
    let (tls, rest) = if let Some(r) = url.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!("{url:?} is not an http(s) address"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || authority.starts_with('[') => {
            (h.to_owned(), p.parse().map_err(|_| format!("{url:?} has a bad port"))?)
        }
        _ => (authority.to_owned(), if tls { 443 } else { 80 }),
    };
    if host.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    if !tls && !crate::workflow::automation::is_loopback(&host) {
        return Err("a webhook on another computer must be https://".into());
    }
    Ok(Target {
        tls,
        host: host.trim_start_matches('[').trim_end_matches(']').to_owned(),
        port,
        path: path.to_owned(),
    })
}

pub fn post(url: &str, json: &str, timeout: Duration) -> Result<(), HookError> {
    let t = parse(url).map_err(HookError::Refused)?;
    let addr = (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| HookError::Unreachable(format!("cannot find {}: {e}", t.host)))?
        .next()
        .ok_or_else(|| HookError::Unreachable(format!("cannot find {}", t.host)))?;
    let tcp = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| HookError::Unreachable(format!("cannot reach the webhook at {}: {e}", t.host)))?;
    let _ = tcp.set_read_timeout(Some(timeout));
    let _ = tcp.set_write_timeout(Some(timeout));
    let request = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: Partnerdesk\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        t.path,
        t.host,
        json.len(),
        json
    );
    let unreachable =
        |e: std::io::Error| HookError::Unreachable(format!("the webhook at {} did not answer: {e}", t.host));
    let mut answer = Vec::new();
    if t.tls {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| HookError::Refused(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = rustls::pki_types::ServerName::try_from(t.host.clone())
            .map_err(|e| HookError::Refused(format!("{}: {e}", t.host)))?;
        let conn =
            rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| HookError::Unreachable(e.to_string()))?;
        let mut s = rustls::StreamOwned::new(conn, tcp);
        s.write_all(request.as_bytes()).map_err(unreachable)?;
        read_head(&mut s, &mut answer).map_err(unreachable)?;
    } else {
        let mut s = tcp;
        s.write_all(request.as_bytes()).map_err(unreachable)?;
        read_head(&mut s, &mut answer).map_err(unreachable)?;
    }
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or_default().to_owned();
    let code: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            HookError::Unreachable(format!(
                "the webhook answered something else than HTTP: {status_line:?}"
            ))
        })?;
    match code {
        200..=299 => Ok(()),
        429 | 500..=599 => Err(HookError::Unreachable(format!("the webhook answered {status_line}"))),
        _ => Err(HookError::Refused(format!("the webhook answered {status_line}"))),
    }
}

/// Read the answer up to the end of its status line and headers (or its end).
fn read_head(s: &mut impl Read, out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut buf = [0u8; 1024];
    loop {
        let n = match s.read(&mut buf) {
            Ok(n) => n,
            // A server closing without TLS close_notify after answering.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !out.is_empty() => 0,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(());
        }
        out.extend_from_slice(&buf[..n]);
        if out.windows(4).any(|w| w == b"\r\n\r\n") || out.len() > 64 * 1024 {
            return Ok(());
        }
    }
}
