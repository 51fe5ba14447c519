//! TLS for the connection: rustls with `ring` as its one crypto provider,
//! given to every configuration explicitly, and a certificate verifier that
//! checks nothing, the chain, or the chain and the host name, as `sslmode`
//! asks.

use super::url::{RootCerts, Settings, SslMode};
use crate::error::{Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::sync::{Arc, Mutex};

pub(super) fn tls_connector(
    s: &Settings,
    failure: Arc<Mutex<Option<String>>>,
) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let check = match s.ssl_mode {
        SslMode::Disable | SslMode::Prefer | SslMode::Require => Check::Nothing,
        SslMode::VerifyCa => Check::Chain,
        SslMode::VerifyFull => Check::ChainAndName,
    };
    let roots = if check == Check::Nothing {
        RootCertStore::empty()
    } else {
        root_store(&s.root_certs)?
    };
    let verifier = Verifier {
        check,
        roots,
        roots_name: s.root_certs.to_string(),
        provider: provider.clone(),
        failure,
    };
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::validation("postgres", format!("TLS set-up: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

fn root_store(roots: &RootCerts) -> Result<RootCertStore> {
    match roots {
        RootCerts::Mozilla => Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        }),
        RootCerts::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| {
                Error::validation(
                    "postgres",
                    format!("cannot read the sslrootcert file {}: {e}", path.display()),
                )
            })?;
            let mut store = RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&bytes) {
                let cert = cert.map_err(|e| {
                    Error::validation(
                        "postgres",
                        format!("the sslrootcert file {} is not valid PEM: {e}", path.display()),
                    )
                })?;
                store.add(cert).map_err(|e| {
                    Error::validation(
                        "postgres",
                        format!(
                            "the sslrootcert file {} holds a certificate that cannot be a root: {e}",
                            path.display()
                        ),
                    )
                })?;
            }
            if store.is_empty() {
                return Err(Error::validation(
                    "postgres",
                    format!(
                        "the sslrootcert file {} holds no certificate (PEM, -----BEGIN CERTIFICATE-----)",
                        path.display()
                    ),
                ));
            }
            Ok(store)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// The server certificate check of each sslmode. The handshake signatures
/// are always checked (so the server holds the certificate's key); the
/// reason for a refusal is kept in `failure` for the error message.
#[derive(Debug)]
struct Verifier {
    check: Check,
    roots: RootCertStore,
    roots_name: String,
    provider: Arc<CryptoProvider>,
    failure: Arc<Mutex<Option<String>>>,
}

impl Verifier {
    fn verify(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        now: UnixTime,
    ) -> std::result::Result<(), rustls::Error> {
        if self.check == Check::Nothing {
            return Ok(());
        }
        let cert = ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        if self.check == Check::ChainAndName {
            rustls::client::verify_server_name(&cert, server_name)?;
        }
        Ok(())
    }

    fn describe(&self, e: &rustls::Error, server_name: &ServerName<'_>) -> String {
        let host = server_name.to_str();
        match e {
            rustls::Error::InvalidCertificate(c) => match c {
                CertificateError::UnknownIssuer => format!(
                    "the server's certificate is not signed by {}: give the CA that signed it with sslrootcert=FILE (PEM)",
                    self.roots_name
                ),
                CertificateError::NotValidForName => format!(
                    "the server's certificate does not name host {host}: connect with a host name it names, or use sslmode=verify-ca (chain only)"
                ),
                CertificateError::NotValidForNameContext { presented, .. } => format!(
                    "the server's certificate does not name host {host} (it names {}): connect with a host name it names, or use sslmode=verify-ca (chain only)",
                    presented.iter().map(|n| bare_name(n)).collect::<Vec<_>>().join(", ")
                ),
                CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                    "the server's certificate has expired".to_owned()
                }
                CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                    "the server's certificate is not valid yet (is this computer's clock right?)".to_owned()
                }
                other => format!("the server's certificate was refused: {other:?}"),
            },
            other => format!("the server's certificate was refused: {other}"),
        }
    }
}

/// `DnsName("db.example.com")` / `IpAddress(10.0.0.1)` (as rustls shows a
/// certificate's names) -> the name alone.
fn bare_name(n: &str) -> &str {
    for (open, close) in [("DnsName(\"", "\")"), ("IpAddress(", ")")] {
        if let Some(inner) = n.strip_prefix(open).and_then(|r| r.strip_suffix(close)) {
            return inner;
        }
    }
    n
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        match self.verify(end_entity, intermediates, server_name, now) {
            Ok(()) => Ok(ServerCertVerified::assertion()),
            Err(e) => {
                if let Ok(mut f) = self.failure.lock() {
                    *f = Some(self.describe(&e, server_name));
                }
                Err(e)
            }
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_names_are_shown_bare() {
        assert_eq!(bare_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(bare_name("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(bare_name("other"), "other");
    }
}
