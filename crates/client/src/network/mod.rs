//! Connections to brokers.

mod connection;
mod observer;
mod tls;
mod versions;

pub use connection::Connection;
pub use observer::{RequestEvent, RequestInfo, RequestObserver, RequestSink};
pub use tls::{Tls, TlsOptions};
