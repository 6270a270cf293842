//! TLS as KafkaJS's `ssl` option asks for it — Node's `tls.connect` options — over tokio-rustls.
//! Without a `ca`, the server is checked against Mozilla's root set, which is what Node's
//! bundled roots are.

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::client::danger::{
    HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
};
use tokio_rustls::rustls::crypto::{ring, verify_tls12_signature, verify_tls13_signature};
use tokio_rustls::rustls::{self, ClientConfig, DigitallySignedStruct, RootCertStore};
use tokio_rustls::TlsConnector;

use crate::error::{Error, Result};

/// The `ssl` options kafkars reads, PEM text as Node takes it.
#[derive(Clone, Default)]
pub struct TlsOptions {
    /// Certificates to trust instead of Mozilla's roots; each entry may hold several.
    pub ca: Vec<String>,
    /// The client's certificate chain and key, for brokers that require client authentication.
    pub cert: Option<String>,
    pub key: Option<String>,
    /// Decrypts `key` when it is an encrypted PKCS#8 key (`BEGIN ENCRYPTED PRIVATE KEY`).
    pub passphrase: Option<String>,
    /// Node's `rejectUnauthorized`: false accepts any server certificate (tests, self-signed).
    pub reject_unauthorized: bool,
    /// The name the server's certificate must carry (SNI too); by default the broker's host.
    pub servername: Option<String>,
}

impl std::fmt::Debug for TlsOptions {
    // The key is a secret: it never reaches a log or an error.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsOptions")
            .field("ca", &self.ca.len())
            .field("cert", &self.cert.is_some())
            .field("passphrase", &self.passphrase.is_some())
            .field("reject_unauthorized", &self.reject_unauthorized)
            .field("servername", &self.servername)
            .finish_non_exhaustive()
    }
}

/// A TLS client ready to wrap connections.
pub struct Tls {
    connector: TlsConnector,
    servername: Option<String>,
}

fn invalid(what: &str, e: impl std::fmt::Display) -> Error {
    Error::non_retriable(format!("Invalid ssl option: {what}: {e}"))
}

fn certificates(pem: &str, what: &str) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| invalid(what, e))?;
    if certs.is_empty() {
        return Err(invalid(what, "no PEM certificate found"));
    }
    Ok(certs)
}

impl Tls {
    pub fn new(options: &TlsOptions) -> Result<Tls> {
        let provider = Arc::new(ring::default_provider());
        let builder = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| invalid("protocol versions", e))?;
        let builder = if options.reject_unauthorized {
            let mut roots = RootCertStore::empty();
            if options.ca.is_empty() {
                roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
            for pem in &options.ca {
                for cert in certificates(pem, "ca")? {
                    roots.add(cert).map_err(|e| invalid("ca", e))?;
                }
            }
            builder.with_root_certificates(roots)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AcceptAnyServer(provider)))
        };
        let config = match (&options.cert, &options.key) {
            (Some(cert), Some(key)) => {
                let key = private_key(key, options.passphrase.as_deref())?;
                builder
                    .with_client_auth_cert(certificates(cert, "cert")?, key)
                    .map_err(|e| invalid("cert and key", e))?
            }
            (None, None) => builder.with_no_client_auth(),
            _ => return Err(invalid("cert and key", "each needs the other")),
        };
        Ok(Tls {
            connector: TlsConnector::from(Arc::new(config)),
            servername: options.servername.clone(),
        })
    }

    /// The TLS handshake over `stream` to `address` (`host:port`).
    pub async fn connect(&self, address: &str, stream: TcpStream) -> Result<TlsStream<TcpStream>> {
        let host = self
            .servername
            .as_deref()
            .unwrap_or_else(|| host_of(address));
        let name = ServerName::try_from(host.to_string()).map_err(|e| {
            Error::connection(address, format!("Invalid TLS server name {host}: {e}"))
        })?;
        self.connector
            .connect(name, stream)
            .await
            .map_err(|e| handshake_failed(address, &e))
    }
}

/// KafkaJS's error for a failed handshake: the reason in words after the broker, and Node's code
/// for it (KafkaJSConnectionError's `code`) where the reason leaves no doubt which it is.
fn handshake_failed(address: &str, e: &std::io::Error) -> Error {
    let tls = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let (code, reason) = match tls {
        Some(rustls::Error::InvalidCertificate(certificate)) => certificate_reason(certificate),
        Some(other) => (None, other.to_string()),
        // Node's words and code for it.
        None if e.kind() == std::io::ErrorKind::UnexpectedEof => (
            Some("ECONNRESET"),
            "the broker disconnected before a secure TLS connection was established (is it a TLS listener?)"
                .to_string(),
        ),
        None => (Error::node_code(e), e.to_string()),
    };
    let mut error = Error::connection(
        address,
        format!("Connection error: TLS handshake with {address} failed: {reason}"),
    );
    error.errno = code;
    error
}

/// KafkaJS's error for a TLS session the broker ended after the handshake, as a TLS 1.3 broker
/// does when it finds the client's certificate missing or wrong: the alert in words, and Node's
/// code for it. None when the failed read was not TLS's doing (the caller's closed connection).
pub(super) fn session_failed(address: &str, e: &std::io::Error) -> Option<Error> {
    let tls = e.get_ref()?.downcast_ref::<rustls::Error>()?;
    let code = match tls {
        rustls::Error::AlertReceived(rustls::AlertDescription::BadCertificate) => {
            Some("ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE")
        }
        rustls::Error::AlertReceived(rustls::AlertDescription::CertificateRequired) => {
            Some("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED")
        }
        _ => None,
    };
    let mut error = Error::connection(
        address,
        format!("Connection error: the TLS session with {address} failed: {tls}"),
    );
    error.errno = code;
    Some(error)
}

fn certificate_reason(e: &rustls::CertificateError) -> (Option<&'static str>, String) {
    use rustls::CertificateError::*;
    match e {
        // Which of Node's codes an unknown issuer is depends on the chain the broker sent.
        UnknownIssuer => (
            None,
            "the broker's certificate is not signed by a trusted CA (unknown issuer)".to_string(),
        ),
        Expired | ExpiredContext { .. } => (
            Some("CERT_HAS_EXPIRED"),
            format!("the broker's certificate has expired ({e})"),
        ),
        NotValidForName | NotValidForNameContext { .. } => {
            (Some("ERR_TLS_CERT_ALTNAME_INVALID"), e.to_string())
        }
        _ => (None, format!("invalid broker certificate: {e}")),
    }
}

/// The client's key: PEM, decrypted with `passphrase` when it is encrypted PKCS#8.
fn private_key(pem: &str, passphrase: Option<&str>) -> Result<PrivateKeyDer<'static>> {
    use pkcs8::der::pem::PemLabel;
    if !pem.contains(pkcs8::EncryptedPrivateKeyInfo::PEM_LABEL) {
        return PrivateKeyDer::from_pem_slice(pem.as_bytes()).map_err(|e| invalid("key", e));
    }
    let passphrase =
        passphrase.ok_or_else(|| invalid("key", "it is encrypted and no passphrase was given"))?;
    let (_, der) = pkcs8::SecretDocument::from_pem(pem).map_err(|e| invalid("key", e))?;
    let encrypted =
        pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_bytes()).map_err(|e| invalid("key", e))?;
    let decrypted = encrypted
        .decrypt(passphrase)
        .map_err(|_| invalid("passphrase", "it does not decrypt the key"))?;
    Ok(PrivateKeyDer::Pkcs8(decrypted.as_bytes().to_vec().into()))
}

/// `host` of `host:port`, brackets of an IPv6 literal removed.
fn host_of(address: &str) -> &str {
    let host = address.rsplit_once(':').map_or(address, |(host, _)| host);
    host.trim_start_matches('[').trim_end_matches(']')
}

/// `rejectUnauthorized: false`: any certificate is accepted, but the handshake's signatures are
/// still checked, so the connection is at least with whoever holds that certificate's key.
#[derive(Debug)]
struct AcceptAnyServer(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_name_is_the_host_of_the_address() {
        assert_eq!(host_of("broker-1.example.com:9093"), "broker-1.example.com");
        assert_eq!(host_of("127.0.0.1:9093"), "127.0.0.1");
        assert_eq!(host_of("[::1]:9093"), "::1");
    }

    #[test]
    fn a_ca_that_is_not_pem_is_refused_before_connecting() {
        let options = TlsOptions {
            ca: vec!["not a certificate".into()],
            reject_unauthorized: true,
            ..TlsOptions::default()
        };
        let e = Tls::new(&options).err().expect("refused");
        assert!(
            e.message.starts_with("Invalid ssl option: ca"),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_failed_handshake_names_the_broker_the_reason_and_node_s_code() {
        let expired = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        );
        let e = handshake_failed("broker-1:9093", &expired);
        assert_eq!(e.errno, Some("CERT_HAS_EXPIRED"));
        assert!(e.retriable);
        assert!(
            e.message
                .starts_with("Connection error: TLS handshake with broker-1:9093 failed: the broker's certificate has expired"),
            "{}",
            e.message
        );
        let eof = std::io::Error::from(std::io::ErrorKind::UnexpectedEof);
        assert_eq!(
            handshake_failed("broker-1:9093", &eof).errno,
            Some("ECONNRESET")
        );
    }

    #[test]
    fn the_key_never_shows_in_debug_output() {
        let options = TlsOptions {
            key: Some("-----BEGIN PRIVATE KEY-----\nsecret\n".into()),
            ..TlsOptions::default()
        };
        assert!(!format!("{options:?}").contains("secret"));
    }
}
