//! Connections to brokers.

mod connection;
mod observer;
mod versions;

pub use connection::Connection;
pub use observer::{RequestEvent, RequestInfo, RequestObserver, RequestSink};
