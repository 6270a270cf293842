//! Connections to brokers.

mod authentication_provider;
mod connection;
mod observer;
mod response_errors;
mod sasl;
mod tls;
pub mod versions;

pub use authentication_provider::{AuthenticationProvider, Broker, Rejection, SaslExchange};
pub use connection::{Connection, Security};
pub use observer::{RequestEvent, RequestInfo, RequestObserver, RequestSink};
pub use sasl::{OauthToken, SaslOptions, TokenProvider};
pub use tls::{Tls, TlsOptions};
