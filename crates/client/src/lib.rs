//! kafkars-client: a pure-Rust async Kafka client with KafkaJS's semantics. Module names follow
//! KafkaJS's `src/` so its contributors find the same ideas in the same places.

pub mod admin;
pub mod allocator;
pub mod cluster;
pub mod config;
pub mod consumer;
pub mod error;
pub mod log;
pub mod network;
pub mod producer;
pub mod protocol;
pub mod retry;
pub mod task;

pub use config::{ClientConfig, RetryConfig};
pub use error::{Error, ErrorClass, Result};
