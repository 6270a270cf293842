//! Connections to brokers.

mod connection;
mod observer;
mod sasl;
mod tls;
pub mod versions;

pub use connection::{Connection, Security};
pub use observer::{RequestEvent, RequestInfo, RequestObserver, RequestSink};
pub use sasl::{OauthToken, SaslOptions, TokenProvider};
pub use tls::{Tls, TlsOptions};
