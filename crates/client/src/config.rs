//! Client options with KafkaJS's names and defaults.

use std::time::Duration;

use crate::log::Logger;
use crate::network::{SaslOptions, TlsOptions};

/// KafkaJS's `retry` option. Times are in milliseconds, as in KafkaJS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryConfig {
    pub max_retry_time: u64,
    pub initial_retry_time: u64,
    pub factor: f64,
    pub multiplier: f64,
    pub retries: u32,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retry_time: 30_000,
            initial_retry_time: 300,
            factor: 0.2,
            multiplier: 2.0,
            retries: 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ClientConfig {
    pub client_id: String,
    /// Seed brokers as `host:port`; the rest of the cluster is learned from metadata.
    pub brokers: Vec<String>,
    pub connection_timeout: Duration,
    /// How long a request may wait for its response (KafkaJS: when `enforceRequestTimeout`).
    pub request_timeout: Duration,
    /// How long cached metadata is trusted before it is fetched again (KafkaJS's `metadataMaxAge`).
    pub metadata_max_age: Duration,
    /// The cluster's own retries (connecting, metadata, finding a coordinator): KafkaJS's
    /// Kafka-level `retry`. The producer's, consumer's and admin's operations retry as their
    /// own config says (KafkaJS: the Kafka-level `retry` merged with theirs).
    pub retry: RetryConfig,
    /// KafkaJS's `ssl`: every connection is TLS when set.
    pub tls: Option<TlsOptions>,
    /// KafkaJS's `sasl`: every connection authenticates after ApiVersions when set.
    pub sasl: Option<SaslOptions>,
    pub authentication_timeout: Duration,
    /// How long before the broker's SASL session ends a connection re-authenticates (KafkaJS's
    /// `reauthenticationThreshold`; KIP-368).
    pub reauthentication_threshold: Duration,
    /// Where the network and cluster layers log, as KafkaJS's do through the client's logger.
    pub logger: Logger,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            client_id: "kafkajs".to_string(),
            brokers: Vec::new(),
            connection_timeout: Duration::from_millis(1000),
            request_timeout: Duration::from_millis(30_000),
            metadata_max_age: Duration::from_millis(300_000),
            retry: RetryConfig::default(),
            tls: None,
            sasl: None,
            authentication_timeout: Duration::from_millis(10_000),
            reauthentication_threshold: Duration::from_millis(10_000),
            logger: Logger::default(),
        }
    }
}
