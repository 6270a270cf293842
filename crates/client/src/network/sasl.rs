//! SASL authentication of a new connection, as KafkaJS's saslAuthenticator does it: SaslHandshake
//! names the mechanism, then SaslAuthenticate carries its exchange — one message for PLAIN and
//! OAUTHBEARER (RFC 7628, the token from the user's provider), two round trips for SCRAM
//! (RFC 5802, over HMAC-SHA-256 or -512). Any other mechanism is the user's
//! `authenticationProvider`, after the same handshake.

use std::sync::Arc;
use std::time::Instant;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use bytes::Bytes;
use futures::future::BoxFuture;
use kafka_protocol::messages::{SaslAuthenticateRequest, SaslHandshakeRequest};
use kafka_protocol::protocol::StrBytes;
use rand::distr::{Alphanumeric, SampleString};
use ring::{digest, hmac, pbkdf2};
use serde_json::json;

use super::authentication_provider::{self, AuthenticationProvider};
use super::Connection;
use crate::error::{Error, ErrorClass, Result};
use crate::log::Level;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    Plain,
    ScramSha256,
    ScramSha512,
    OauthBearer,
}

impl Mechanism {
    /// The name Kafka knows it by, as `sasl.mechanism` (any case) gives it.
    fn parse(name: &str) -> Option<Mechanism> {
        match name.to_ascii_uppercase().as_str() {
            "PLAIN" => Some(Mechanism::Plain),
            "SCRAM-SHA-256" => Some(Mechanism::ScramSha256),
            "SCRAM-SHA-512" => Some(Mechanism::ScramSha512),
            "OAUTHBEARER" => Some(Mechanism::OauthBearer),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::ScramSha256 => "SCRAM-SHA-256",
            Mechanism::ScramSha512 => "SCRAM-SHA-512",
            Mechanism::OauthBearer => "OAUTHBEARER",
        }
    }

    /// KafkaJS's logger namespace for the mechanism's authenticator.
    fn namespace(self) -> &'static str {
        match self {
            Mechanism::Plain => "SaslAuthenticator-PLAIN",
            Mechanism::ScramSha256 => "SaslAuthenticator-SCRAM-SHA-256",
            Mechanism::ScramSha512 => "SaslAuthenticator-SCRAM-SHA-512",
            Mechanism::OauthBearer => "SaslAuthenticator-OAUTHBEARER",
        }
    }

    /// What KafkaJS's messages call the authentication, successful or failed.
    fn authentication(self) -> &'static str {
        match self {
            Mechanism::Plain => "SASL PLAIN authentication",
            Mechanism::ScramSha256 => "SASL SCRAM SHA256 authentication",
            Mechanism::ScramSha512 => "SASL SCRAM SHA512 authentication",
            Mechanism::OauthBearer => "SASL OAUTHBEARER authentication",
        }
    }
}

/// Logs an entry of `kind`'s authenticator with the broker, as KafkaJS's authenticators do.
fn log(conn: &Connection, kind: Mechanism, level: Level, message: impl FnOnce() -> String) {
    conn.logger().log(level, kind.namespace(), || {
        (message(), json!({ "broker": conn.address() }))
    });
}

/// An authentication the broker refused (or whose answer failed the client's checks): KafkaJS's
/// error, logged at ERROR as KafkaJS's authenticators log it.
fn refused(conn: &Connection, kind: Mechanism, reason: impl std::fmt::Display) -> Error {
    let error = failed(format!("{} failed: {reason}", kind.authentication()));
    log(conn, kind, Level::Error, || error.message.clone());
    error
}

/// Logs `kind`'s authentication as successful.
fn succeeded(conn: &Connection, kind: Mechanism) {
    log(conn, kind, Level::Debug, || {
        format!("{} successful", kind.authentication())
    });
}

/// An OAuth bearer token as KafkaJS's `oauthBearerProvider` gives it.
#[derive(Debug, Clone, Default)]
pub struct OauthToken {
    pub value: String,
    /// SASL extensions, sent as `key=value` pairs.
    pub extensions: Vec<(String, String)>,
}

/// Where OAUTHBEARER tokens come from: asked on every authentication, as KafkaJS asks its
/// provider (which reuses and refreshes tokens as it sees fit).
pub trait TokenProvider: Send + Sync {
    fn token(&self) -> BoxFuture<'static, std::result::Result<OauthToken, String>>;
}

/// KafkaJS's `sasl` option: the mechanism as the user named it, checked when connecting.
#[derive(Clone)]
pub struct SaslOptions {
    pub mechanism: String,
    pub username: String,
    pub password: String,
    /// OAUTHBEARER's authorization identity (`authorizationIdentity`), if any.
    pub authorization_identity: Option<String>,
    pub token_provider: Option<Arc<dyn TokenProvider>>,
    /// KafkaJS's `authenticationProvider`: when set, it speaks the mechanism, whichever it is.
    pub authentication_provider: Option<Arc<dyn AuthenticationProvider>>,
}

impl std::fmt::Debug for SaslOptions {
    // The password never reaches a log or an error.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SaslOptions")
            .field("mechanism", &self.mechanism)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

fn failed(message: String) -> Error {
    Error::new(ErrorClass::SaslAuthentication, message, false)
}

/// Authenticates `conn` (ApiVersions done) as `sasl` says.
pub async fn authenticate(conn: &Connection, sasl: &SaslOptions) -> Result<()> {
    if let Some(provider) = &sasl.authentication_provider {
        let mechanism = sasl.mechanism.to_uppercase();
        handshake(conn, &mechanism).await?;
        return authentication_provider::authenticate(conn, &mechanism, provider).await;
    }
    let kind = Mechanism::parse(&sasl.mechanism).ok_or_else(|| {
        Error::non_retriable(format!(
            "SASL mechanism {} is not supported by kafkars (it speaks PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 and OAUTHBEARER)",
            sasl.mechanism
        ))
    })?;
    handshake(conn, kind.name()).await?;
    match kind {
        Mechanism::Plain => {
            log(conn, kind, Level::Debug, || {
                "Authenticate with SASL PLAIN".into()
            });
            let message = format!("\0{}\0{}", sasl.username, sasl.password);
            exchange(conn, message.into_bytes())
                .await
                .map_err(|e| refused(conn, kind, e))?;
            succeeded(conn, kind);
            Ok(())
        }
        Mechanism::OauthBearer => oauth_bearer(conn, sasl).await,
        Mechanism::ScramSha256 | Mechanism::ScramSha512 => {
            scram(conn, kind, sasl)
                .await
                .map_err(|e| refused(conn, kind, e))?;
            succeeded(conn, kind);
            Ok(())
        }
    }
}

/// SaslHandshake names the mechanism; the broker answers with the ones it enables.
async fn handshake(conn: &Connection, mechanism: &str) -> Result<()> {
    let handshake = conn
        .send(
            &SaslHandshakeRequest::default()
                .with_mechanism(StrBytes::from_string(mechanism.to_string())),
        )
        .await?;
    let enabled: Vec<&str> = handshake.mechanisms.iter().map(|m| m.as_str()).collect();
    let named = || match enabled.as_slice() {
        [] => "none".to_string(),
        names => names.join(", "),
    };
    if handshake.error_code != 0 {
        // KafkaJS's error (UNSUPPORTED_SASL_MECHANISM, as the broker answers), and which
        // mechanisms the broker does enable.
        let mut e = Error::protocol(handshake.error_code);
        e.message = format!(
            "{}: {mechanism} (broker {} enables {})",
            e.message,
            conn.address(),
            named()
        );
        return Err(e);
    }
    if !enabled.contains(&mechanism) {
        // KafkaJS's message for a broker that answers without an error but lists others.
        return Err(failed(format!(
            "SASL {mechanism} mechanism is not supported by the server (broker {} enables {})",
            conn.address(),
            named()
        )));
    }
    Ok(())
}

/// One SaslAuthenticate round trip; the broker's refusal is its own message.
async fn exchange(conn: &Connection, message: Vec<u8>) -> std::result::Result<Bytes, String> {
    let sent = Instant::now();
    let response = conn
        .send(&SaslAuthenticateRequest::default().with_auth_bytes(Bytes::from(message)))
        .await
        .map_err(|e| e.message)?;
    if response.error_code != 0 {
        return Err(response
            .error_message
            .map(|m| m.to_string())
            .unwrap_or_else(|| Error::protocol(response.error_code).message));
    }
    conn.session_started(sent, response.session_lifetime_ms);
    Ok(response.auth_bytes)
}

/// The client's first (and only) message, RFC 7628's: a GS2 header with the authorization
/// identity, then `auth=Bearer <token>` and the extensions, each after a ^A, closed by two.
async fn oauth_bearer(conn: &Connection, sasl: &SaslOptions) -> Result<()> {
    let provider = sasl
        .token_provider
        .as_ref()
        .ok_or_else(|| failed("SASL OAUTHBEARER: Missing OAuth bearer token provider".into()))?;
    let token = provider
        .token()
        .await
        .map_err(|e| failed(format!("SASL OAUTHBEARER: the token provider failed: {e}")))?;
    if token.value.is_empty() {
        return Err(failed(
            "SASL OAUTHBEARER: Invalid OAuth bearer token".into(),
        ));
    }
    let authzid = sasl
        .authorization_identity
        .as_ref()
        .map_or(String::new(), |id| format!("a={id}"));
    let mut message = format!("n,{authzid},\x01auth=Bearer {}", token.value);
    for (key, value) in &token.extensions {
        message.push_str(&format!("\x01{key}={value}"));
    }
    message.push_str("\x01\x01");
    let kind = Mechanism::OauthBearer;
    log(conn, kind, Level::Debug, || {
        "Authenticate with SASL OAUTHBEARER".into()
    });
    let challenge = exchange(conn, message.into_bytes())
        .await
        .map_err(|e| refused(conn, kind, e))?;
    if !challenge.is_empty() {
        // The broker refused the token with an error challenge (a JSON status); RFC 7628 has
        // the client answer ^A, to which the broker replies with the failure itself.
        let status = String::from_utf8_lossy(&challenge).into_owned();
        let e = exchange(conn, b"\x01".to_vec())
            .await
            .err()
            .unwrap_or_else(|| status.clone());
        return Err(refused(conn, kind, format!("{e} ({status})")));
    }
    succeeded(conn, kind);
    Ok(())
}

/// KafkaJS's floor for the broker's iteration count, below which SCRAM is weak.
const MIN_ITERATIONS: u32 = 4096;

async fn scram(
    conn: &Connection,
    kind: Mechanism,
    sasl: &SaslOptions,
) -> std::result::Result<(), String> {
    let (hmac_algorithm, pbkdf2_algorithm, digest_algorithm) = match kind {
        Mechanism::ScramSha512 => (
            hmac::HMAC_SHA512,
            pbkdf2::PBKDF2_HMAC_SHA512,
            &digest::SHA512,
        ),
        _ => (
            hmac::HMAC_SHA256,
            pbkdf2::PBKDF2_HMAC_SHA256,
            &digest::SHA256,
        ),
    };
    let nonce = Alphanumeric.sample_string(&mut rand::rng(), 24);
    let first_bare = format!("n={},r={nonce}", scram_name(&sasl.username));
    log(conn, kind, Level::Debug, || {
        "Exchanging first client message".into()
    });
    let server_first = exchange(conn, format!("n,,{first_bare}").into_bytes()).await?;
    let server_first = String::from_utf8(server_first.to_vec()).map_err(|e| e.to_string())?;
    let field = |key: &str| {
        server_first
            .split(',')
            .find_map(|f| f.strip_prefix(key))
            .ok_or_else(|| format!("the server's first message lacks {key}"))
    };
    let server_nonce = field("r=")?;
    if !server_nonce.starts_with(&nonce) {
        return Err("Invalid server nonce, it does not start with the client nonce".into());
    }
    let salt = BASE64
        .decode(field("s=")?)
        .map_err(|e| format!("invalid salt: {e}"))?;
    let iterations: u32 = field("i=")?
        .parse()
        .map_err(|_| "invalid iteration count")?;
    if iterations < MIN_ITERATIONS {
        return Err(format!(
            "Requested iterations {iterations} is less than the minimum {MIN_ITERATIONS}"
        ));
    }
    let mut salted = vec![0u8; digest_algorithm.output_len()];
    pbkdf2::derive(
        pbkdf2_algorithm,
        std::num::NonZeroU32::new(iterations).expect("at least the minimum"),
        &salt,
        sasl.password.as_bytes(),
        &mut salted,
    );
    let salted = hmac::Key::new(hmac_algorithm, &salted);
    let client_key = hmac::sign(&salted, b"Client Key");
    let stored_key = digest::digest(digest_algorithm, client_key.as_ref());
    // "biws" is base64 of the GS2 header "n,,": no channel binding.
    let final_without_proof = format!("c=biws,r={server_nonce}");
    let auth_message = format!("{first_bare},{server_first},{final_without_proof}");
    let signature = hmac::sign(
        &hmac::Key::new(hmac_algorithm, stored_key.as_ref()),
        auth_message.as_bytes(),
    );
    let proof: Vec<u8> = client_key
        .as_ref()
        .iter()
        .zip(signature.as_ref())
        .map(|(k, s)| k ^ s)
        .collect();
    let final_message = format!("{final_without_proof},p={}", BASE64.encode(proof));
    log(conn, kind, Level::Debug, || "Sending final message".into());
    let server_final = exchange(conn, final_message.into_bytes()).await?;
    let server_final = String::from_utf8(server_final.to_vec()).map_err(|e| e.to_string())?;
    if let Some(error) = server_final.strip_prefix("e=") {
        return Err(error.to_string());
    }
    let server_key = hmac::sign(&salted, b"Server Key");
    let expected = hmac::sign(
        &hmac::Key::new(hmac_algorithm, server_key.as_ref()),
        auth_message.as_bytes(),
    );
    if server_final.strip_prefix("v=") != Some(BASE64.encode(expected.as_ref()).as_str()) {
        return Err("Invalid server signature in server final message".into());
    }
    Ok(())
}

/// A SCRAM username: ',' and '=' escaped as RFC 5802 says.
fn scram_name(name: &str) -> String {
    name.replace('=', "=3D").replace(',', "=2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanisms_are_named_in_any_case() {
        assert_eq!(
            Mechanism::parse("scram-sha-256"),
            Some(Mechanism::ScramSha256)
        );
        assert_eq!(Mechanism::parse("PLAIN"), Some(Mechanism::Plain));
        assert_eq!(
            Mechanism::parse("oauthbearer"),
            Some(Mechanism::OauthBearer)
        );
        assert_eq!(Mechanism::parse("aws"), None);
    }

    #[test]
    fn scram_names_escape_commas_and_equals() {
        assert_eq!(scram_name("a,b=c"), "a=2Cb=3Dc");
    }

    #[test]
    fn the_password_never_shows_in_debug_output() {
        let sasl = SaslOptions {
            mechanism: "plain".into(),
            username: "alice".into(),
            password: "alice-secret".into(),
            authorization_identity: None,
            token_provider: None,
            authentication_provider: None,
        };
        assert!(!format!("{sasl:?}").contains("secret"));
    }
}
