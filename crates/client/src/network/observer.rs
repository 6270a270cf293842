//! What connections report about their requests: KafkaJS's `network.request`,
//! `network.request_timeout` and `network.request_queue_size` events. Nothing is measured or
//! reported while no sink is set, which is the common case.

use std::sync::{Arc, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

/// One request, with KafkaJS's fields. Times are milliseconds since the epoch, durations
/// milliseconds.
#[derive(Debug, Clone)]
pub struct RequestInfo {
    pub broker: String,
    pub client_id: String,
    pub correlation_id: i32,
    /// The response's size in bytes (0 for a request that timed out).
    pub size: usize,
    pub created_at: f64,
    pub sent_at: f64,
    /// Time spent waiting for the socket before being written.
    pub pending_duration: f64,
    /// Time from being written to the response.
    pub duration: f64,
    pub api_name: String,
    pub api_key: i16,
    pub api_version: i16,
}

#[derive(Debug, Clone)]
pub enum RequestEvent {
    Request(RequestInfo),
    Timeout(RequestInfo),
    /// Requests waiting to be written to one broker's socket.
    QueueSize {
        broker: String,
        client_id: String,
        queue_size: usize,
    },
}

pub type RequestSink = Arc<dyn Fn(RequestEvent) + Send + Sync>;

/// Shared by a client's connections; the sink can be set at any time.
#[derive(Default)]
pub struct RequestObserver {
    sink: RwLock<Option<RequestSink>>,
}

impl std::fmt::Debug for RequestObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RequestObserver")
            .field("observing", &self.sink().is_some())
            .finish()
    }
}

impl RequestObserver {
    pub fn set(&self, sink: Option<RequestSink>) {
        *self.sink.write().unwrap() = sink;
    }

    pub fn sink(&self) -> Option<RequestSink> {
        self.sink.read().unwrap().clone()
    }
}

/// The API's name as KafkaJS reports it, which differs from Kafka's for FindCoordinator.
pub fn api_name(key: kafka_protocol::messages::ApiKey) -> String {
    match key {
        kafka_protocol::messages::ApiKey::FindCoordinator => "GroupCoordinator".to_string(),
        key => format!("{key:?}"),
    }
}

pub fn now_ms() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
        .floor()
}
