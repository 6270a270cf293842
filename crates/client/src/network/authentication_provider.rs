//! Mechanisms the engine does not speak itself: KafkaJS 2.2's `authenticationProvider`, given
//! the broker and a way to send SaslAuthenticate requests on the connection being authenticated
//! (KafkaJS's `saslAuthenticate`). The connection is ready only once the provider is done.

use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use futures::future::BoxFuture;
use kafka_protocol::messages::SaslAuthenticateRequest;
use tokio::sync::{mpsc, oneshot};

use super::Connection;
use crate::error::{Error, ErrorClass, Result};

/// KafkaJS's code for SASL_AUTHENTICATION_FAILED, whose message is the broker's own.
const SASL_AUTHENTICATION_FAILED: i16 = 58;

/// A user's mechanism: authenticates `broker` by sending what it likes through `exchange`.
pub trait AuthenticationProvider: Send + Sync {
    fn authenticate(
        &self,
        broker: Broker,
        exchange: SaslExchange,
    ) -> BoxFuture<'static, std::result::Result<(), Rejection>>;
}

/// The error a provider failed with, as KafkaJS would have thrown it: its class name and message.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub name: String,
    pub message: String,
}

/// The broker being authenticated, as KafkaJS names it to the provider.
#[derive(Debug, Clone)]
pub struct Broker {
    pub host: String,
    pub port: u16,
}

type AuthRequest = (Bytes, oneshot::Sender<Result<Bytes>>);

/// Sends SaslAuthenticate requests on the connection being authenticated, for as long as its
/// provider runs; the connection itself stays with the engine.
#[derive(Clone)]
pub struct SaslExchange {
    broker: String,
    requests: mpsc::Sender<AuthRequest>,
}

impl SaslExchange {
    /// Sends `auth_bytes` and returns the broker's; a refusal is KafkaJS's protocol error, with
    /// the broker's message when it gives one.
    pub async fn authenticate(&self, auth_bytes: Bytes) -> Result<Bytes> {
        let over = || {
            Error::non_retriable(format!(
                "SASL authentication with {} is over: saslAuthenticate cannot be called after authenticate() settles",
                self.broker
            ))
        };
        let (reply, response) = oneshot::channel();
        self.requests
            .send((auth_bytes, reply))
            .await
            .map_err(|_| over())?;
        response.await.map_err(|_| over())?
    }
}

/// Runs `provider` for `mechanism` against `conn` (its SaslHandshake done), serving its
/// requests until it settles.
pub async fn authenticate(
    conn: &Connection,
    mechanism: &str,
    provider: &Arc<dyn AuthenticationProvider>,
) -> Result<()> {
    let (requests, mut incoming) = mpsc::channel::<AuthRequest>(1);
    let exchange = SaslExchange {
        broker: conn.address().to_string(),
        requests,
    };
    let mut done = provider.authenticate(broker_of(conn.address()), exchange);
    // What the exchange refused, so that a provider rethrowing it (as KafkaJS's rethrow the
    // broker's refusal) fails the connection with that very error, its class and retriability.
    let mut refusals: Vec<Error> = Vec::new();
    loop {
        tokio::select! {
            result = &mut done => return result.map_err(|rejection| failure(mechanism, rejection, refusals)),
            Some((auth_bytes, reply)) = incoming.recv() => {
                let result = send(conn, auth_bytes).await;
                if let Err(e) = &result {
                    refusals.push(e.clone());
                }
                let _ = reply.send(result);
            }
        }
    }
}

/// The connection's error for a provider's rejection: a refusal it rethrew as it was; its own
/// KafkaJSSASLAuthenticationError as it was; anything else as one, saying what failed.
fn failure(mechanism: &str, rejection: Rejection, refusals: Vec<Error>) -> Error {
    if let Some(refusal) = refusals
        .into_iter()
        .find(|e| e.class.name() == rejection.name && e.message == rejection.message)
    {
        return refusal;
    }
    let message = if rejection.name == ErrorClass::SaslAuthentication.name() {
        rejection.message
    } else {
        format!(
            "SASL {mechanism} authentication failed: {}",
            rejection.message
        )
    };
    Error::new(ErrorClass::SaslAuthentication, message, false)
}

async fn send(conn: &Connection, auth_bytes: Bytes) -> Result<Bytes> {
    let sent = Instant::now();
    let response = conn
        .send(&SaslAuthenticateRequest::default().with_auth_bytes(auth_bytes))
        .await?;
    match (response.error_code, response.error_message) {
        (0, _) => {
            // A provider's session is renewed before it ends, as the engine's own mechanisms' are.
            conn.session_started(sent, response.session_lifetime_ms);
            Ok(response.auth_bytes)
        }
        (SASL_AUTHENTICATION_FAILED, Some(message)) => {
            let mut e = Error::protocol(SASL_AUTHENTICATION_FAILED);
            e.message = message.to_string();
            Err(e)
        }
        (code, _) => Err(Error::protocol(code)),
    }
}

/// `host:port` as the provider gets it; an address without a port is Kafka's default one.
fn broker_of(address: &str) -> Broker {
    let (host, port) = address
        .rsplit_once(':')
        .and_then(|(host, port)| Some((host, port.parse().ok()?)))
        .unwrap_or((address, 9092));
    Broker {
        host: host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string(),
        port,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rethrown_refusal_fails_the_connection_as_it_was() {
        let mut refusal = Error::protocol(SASL_AUTHENTICATION_FAILED);
        refusal.message = "Authentication failed: Invalid username or password".into();
        let rejection = Rejection {
            name: "KafkaJSProtocolError".into(),
            message: refusal.message.clone(),
        };
        let e = failure("PLAIN", rejection, vec![refusal]);
        assert_eq!(e.class.name(), "KafkaJSProtocolError");
        assert_eq!(e.protocol.map(|p| p.code), Some(SASL_AUTHENTICATION_FAILED));
    }

    #[test]
    fn a_provider_s_own_error_is_an_authentication_error_saying_what_failed() {
        let rejection = |name: &str| Rejection {
            name: name.into(),
            message: "token service down".into(),
        };
        let e = failure("AWS_MSK_IAM", rejection("TypeError"), vec![]);
        assert_eq!(e.class, ErrorClass::SaslAuthentication);
        assert_eq!(
            e.message,
            "SASL AWS_MSK_IAM authentication failed: token service down"
        );
        let e = failure(
            "AWS_MSK_IAM",
            rejection("KafkaJSSASLAuthenticationError"),
            vec![],
        );
        assert_eq!(e.message, "token service down");
        assert!(!e.retriable);
    }

    #[test]
    fn the_broker_is_its_host_and_port() {
        let broker = broker_of("127.0.0.1:9096");
        assert_eq!((broker.host.as_str(), broker.port), ("127.0.0.1", 9096));
        let broker = broker_of("[::1]:9093");
        assert_eq!((broker.host.as_str(), broker.port), ("::1", 9093));
    }
}
