//! The cluster as the client sees it: seed brokers, the broker pool (one connection per broker)
//! and the topic metadata cache.

mod metadata;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use kafka_protocol::messages::metadata_request::MetadataRequestTopic;
use kafka_protocol::messages::{FindCoordinatorRequest, MetadataRequest};
use kafka_protocol::protocol::StrBytes;
use serde_json::json;

pub use metadata::{Metadata, PartitionMetadata, TopicMetadata};

use crate::config::ClientConfig;
use crate::error::{Error, ErrorClass, Result};
use crate::network::{Connection, RequestObserver, RequestSink, Security, Tls};
use crate::retry::{retry, retry_only, retry_timed};

type Slot = Arc<tokio::sync::Mutex<Option<Arc<Connection>>>>;

pub struct Cluster {
    config: ClientConfig,
    metadata: RwLock<Arc<Metadata>>,
    /// When metadata last arrived, for `metadata_max_age`.
    refreshed_at: Mutex<Option<Instant>>,
    /// One slot per connection key. Opening a connection holds its own slot only, so a broker
    /// slow to connect, to shake hands or to authenticate delays requests to no other broker.
    connections: Mutex<HashMap<String, Slot>>,
    /// The seed broker that answered, named when an advertised address turns out unreachable.
    bootstrap: Mutex<Option<String>>,
    /// Which seed the next bootstrap tries first.
    next_seed: AtomicUsize,
    /// Topics the client works with; refreshes ask for these.
    targets: Mutex<HashSet<String>>,
    requests: Arc<RequestObserver>,
    /// TLS and SASL, built once from the config; options that do not build fail every connect
    /// with the reason.
    security: std::result::Result<Security, Error>,
}

impl Cluster {
    pub fn new(config: ClientConfig) -> Arc<Cluster> {
        let security = config
            .tls
            .as_ref()
            .map(Tls::new)
            .transpose()
            .map(|tls| Security {
                tls,
                sasl: config.sasl.clone(),
                authentication_timeout: config.authentication_timeout,
                reauthentication_threshold: config.reauthentication_threshold,
            });
        Arc::new(Cluster {
            security,
            config,
            metadata: RwLock::default(),
            refreshed_at: Mutex::default(),
            connections: Mutex::default(),
            bootstrap: Mutex::default(),
            next_seed: AtomicUsize::new(0),
            targets: Mutex::default(),
            requests: Arc::default(),
        })
    }

    /// Reports every request of this client's connections to `sink` (None: stop reporting).
    pub fn observe_requests(&self, sink: Option<RequestSink>) {
        self.requests.set(sink);
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Reaches a seed broker and loads the broker list, retrying as `retry` says.
    pub async fn connect(&self) -> Result<()> {
        retry_timed(&self.config.retry, |retry_count, retry_time| async move {
            self.bootstrap_connection()
                .await
                .inspect_err(|e| self.log_seed_failure(e, retry_count, retry_time))?;
            let targets: Vec<String> = self.targets.lock().unwrap().iter().cloned().collect();
            self.fetch_metadata(Some(&targets), false).await
        })
        .await
    }

    /// KafkaJS's BrokerPool entry for a failed attempt at a seed broker.
    fn log_seed_failure(&self, e: &Error, retry_count: u32, retry_time: u64) {
        self.config.logger.error("BrokerPool", || {
            let message = if e.class == ErrorClass::Connection
                || e.protocol_kind() == Some("ILLEGAL_SASL_STATE")
            {
                format!(
                    "Failed to connect to seed broker, trying another broker from the list: {}",
                    e.message
                )
            } else {
                e.message.clone()
            };
            (
                message,
                json!({ "retryCount": retry_count, "retryTime": retry_time }),
            )
        });
    }

    pub async fn disconnect(&self) {
        let slots: Vec<Slot> = self
            .connections
            .lock()
            .unwrap()
            .drain()
            .map(|(_, s)| s)
            .collect();
        for slot in slots {
            let connection = slot.lock().await.take();
            if let Some(c) = connection {
                c.close().await;
            }
        }
    }

    pub fn metadata(&self) -> Arc<Metadata> {
        self.metadata.read().unwrap().clone()
    }

    pub fn add_targets(&self, topics: impl IntoIterator<Item = String>) {
        self.targets.lock().unwrap().extend(topics);
    }

    /// Adds `topics` to the targets and, when that changed them, loads their metadata, as
    /// KafkaJS's `addMultipleTargetTopics` does for a consumer's subscribe: only
    /// LEADER_NOT_AVAILABLE is retried; any other error is returned as the broker gave it, and a
    /// topic that does not exist (or may not be read) is no longer a target.
    pub async fn add_target_topics(
        &self,
        topics: &[String],
        allow_auto_create: bool,
    ) -> Result<()> {
        let (previous, targets) = {
            let mut targets = self.targets.lock().unwrap();
            let previous = targets.clone();
            targets.extend(topics.iter().cloned());
            (previous, targets.iter().cloned().collect::<Vec<_>>())
        };
        if targets.len() == previous.len() && self.refreshed_at.lock().unwrap().is_some() {
            return Ok(());
        }
        let outcome = retry_only(
            &self.config.retry,
            |e| e.protocol_kind() == Some("LEADER_NOT_AVAILABLE"),
            |_| self.fetch_metadata(Some(&targets), allow_auto_create),
        )
        .await;
        if let Err(e) = &outcome {
            if matches!(
                e.protocol_kind(),
                Some(
                    "UNKNOWN_TOPIC_OR_PARTITION"
                        | "INVALID_TOPIC_EXCEPTION"
                        | "TOPIC_AUTHORIZATION_FAILED"
                )
            ) {
                *self.targets.lock().unwrap() = previous;
            }
        }
        outcome
    }

    /// Metadata for `topics`, fetched when missing; with `allow_auto_create` the broker may create them.
    pub async fn topics_metadata(
        &self,
        topics: &[String],
        allow_auto_create: bool,
    ) -> Result<Arc<Metadata>> {
        self.add_targets(topics.iter().cloned());
        let known = self.metadata();
        let fresh = self
            .refreshed_at
            .lock()
            .unwrap()
            .is_some_and(|at| at.elapsed() < self.config.metadata_max_age);
        if fresh && topics.iter().all(|t| known.topic(t).is_some()) {
            return Ok(known);
        }
        self.refresh_metadata(topics, allow_auto_create).await?;
        Ok(self.metadata())
    }

    /// Reloads metadata for `topics` (and the topics already targeted), retrying as `retry` says.
    pub async fn refresh_metadata(&self, topics: &[String], allow_auto_create: bool) -> Result<()> {
        self.add_targets(topics.iter().cloned());
        let targets: Vec<String> = self.targets.lock().unwrap().iter().cloned().collect();
        retry(&self.config.retry, |_| {
            self.fetch_metadata(Some(&targets), allow_auto_create)
        })
        .await
    }

    /// One Metadata round trip; `None` asks for every topic.
    pub async fn fetch_metadata(
        &self,
        topics: Option<&[String]>,
        allow_auto_create: bool,
    ) -> Result<()> {
        let conn = self.any_connection().await?;
        let request = MetadataRequest::default()
            .with_topics(topics.map(|ts| {
                ts.iter()
                    .map(|t| {
                        MetadataRequestTopic::default()
                            .with_name(Some(StrBytes::from_string(t.clone()).into()))
                    })
                    .collect()
            }))
            .with_allow_auto_topic_creation(allow_auto_create);
        let response = conn.send(&request).await?;
        let (metadata, failure) =
            Metadata::from_response(&response, &self.metadata(), topics.is_none());
        *self.metadata.write().unwrap() = Arc::new(metadata);
        *self.refreshed_at.lock().unwrap() = Some(Instant::now());
        failure.map_or(Ok(()), Err)
    }

    /// An open connection to any broker: one already open, else a known broker, else a seed.
    pub async fn any_connection(&self) -> Result<Arc<Connection>> {
        let open = self.connections.lock().unwrap().values().find_map(|slot| {
            // A slot being opened is skipped, not waited for.
            let slot = slot.try_lock().ok()?;
            slot.as_ref().filter(|c| !c.is_closed()).cloned()
        });
        if let Some(c) = open {
            return Ok(c);
        }
        let known: Vec<i32> = self.metadata().brokers.keys().copied().collect();
        for node in known {
            if let Ok(c) = self.broker(node).await {
                return Ok(c);
            }
        }
        self.bootstrap_connection().await
    }

    async fn bootstrap_connection(&self) -> Result<Arc<Connection>> {
        let seeds = &self.config.brokers;
        if seeds.is_empty() {
            return Err(Error::non_retriable(
                "Failed to connect: brokers parameter should not be empty",
            ));
        }
        // KafkaJS's order: the seeds as listed, each try moving on to the next, so a client
        // starts at the first and a later bootstrap does not return to a seed that just failed.
        let mut last = None;
        for _ in 0..seeds.len() {
            let seed = &seeds[self.next_seed.fetch_add(1, Ordering::Relaxed) % seeds.len()];
            match self.connect_to(seed).await {
                Ok(c) => {
                    *self.bootstrap.lock().unwrap() = Some(seed.clone());
                    return Ok(c);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.expect("at least one seed was tried"))
    }

    /// The connection to broker `node_id`, opened if needed.
    pub async fn broker(&self, node_id: i32) -> Result<Arc<Connection>> {
        let address = self
            .metadata()
            .brokers
            .get(&node_id)
            .cloned()
            .ok_or_else(|| {
                Error::new(
                    ErrorClass::BrokerNotFound,
                    format!("Broker {node_id} not found in the cached metadata"),
                    true,
                )
            })?;
        self.connect_to(&address).await.map_err(|e| {
            let bootstrap = self.bootstrap.lock().unwrap().clone();
            match bootstrap {
                Some(seed) if seed != address && e.class == ErrorClass::Connection => {
                    let message = format!(
                        "{} — broker {node_id} is at {address} as advertised by bootstrap broker \
                         {seed}, but this client cannot reach that address; check the broker's \
                         advertised.listeners",
                        e.message
                    );
                    Error { message, ..e }
                }
                _ => e,
            }
        })
    }

    /// The connection to `address`, reused while it is open.
    pub async fn connect_to(&self, address: &str) -> Result<Arc<Connection>> {
        self.connection(address, address).await
    }

    /// The connection kept under `key`, to `address`. Group coordination has a connection of its
    /// own (as in the Java client): a broker answers one connection's requests in order, so a
    /// heartbeat or commit behind a long-polling Fetch would wait out the fetch's max wait.
    async fn connection(&self, key: &str, address: &str) -> Result<Arc<Connection>> {
        let slot = self
            .connections
            .lock()
            .unwrap()
            .entry(key.to_string())
            .or_default()
            .clone();
        let mut slot = slot.lock().await;
        if let Some(c) = slot.as_ref().filter(|c| !c.is_closed()) {
            return Ok(c.clone());
        }
        let security = self.security.as_ref().map_err(Clone::clone)?;
        let c = Connection::open(
            address,
            &self.config.client_id,
            security,
            self.config.connection_timeout,
            self.config.request_timeout,
            self.requests.clone(),
            self.config.logger.clone(),
        )
        .await?;
        *slot = Some(c.clone());
        Ok(c)
    }

    /// The connection to the leader of a topic-partition, from cached metadata.
    pub async fn leader(&self, topic: &str, partition: i32) -> Result<Arc<Connection>> {
        let leader = self.metadata().leader(topic, partition)?;
        self.broker(leader).await
    }

    /// The group coordinator, found with KafkaJS's retry policy.
    pub async fn coordinator(&self, group_id: &str) -> Result<Arc<Connection>> {
        self.find_coordinator(group_id, 0, "group").await
    }

    /// The transaction coordinator of a transactional id.
    pub async fn transaction_coordinator(&self, transactional_id: &str) -> Result<Arc<Connection>> {
        self.find_coordinator(transactional_id, 1, "transaction")
            .await
    }

    /// The connection to the `kind` coordinator found at `address`, reopened if it was cut: a
    /// group member keeps its coordinator's address for the generation, not a connection, so a
    /// dropped socket costs a reconnect, as in KafkaJS's broker pool, and not a rejoin.
    pub async fn coordinator_at(&self, address: &str, kind: &str) -> Result<Arc<Connection>> {
        self.connection(&format!("{address} ({kind} coordinator)"), address)
            .await
    }

    /// Coordinators have connections of their own (see [`Self::connection`]); `key_type` is
    /// FindCoordinator's: 0 for groups, 1 for transactions.
    async fn find_coordinator(
        &self,
        key: &str,
        key_type: i8,
        kind: &str,
    ) -> Result<Arc<Connection>> {
        retry(&self.config.retry, |_| async {
            let conn = self.any_connection().await?;
            let response = conn
                .send(
                    &FindCoordinatorRequest::default()
                        .with_key(StrBytes::from_string(key.to_string()))
                        .with_key_type(key_type),
                )
                .await?;
            if response.error_code != 0 {
                return Err(Error::protocol(response.error_code));
            }
            // KafkaJS means to log the coordinator's host as `broker` too, but reads it from where
            // it is not: its entries carry the node id alone.
            self.config.logger.debug("Cluster", || {
                let fields = json!({ "nodeId": response.node_id.0 });
                ("Found group coordinator".to_string(), fields)
            });
            let address = format!("{}:{}", response.host.as_str(), response.port);
            self.coordinator_at(&address, kind).await
        })
        .await
        .map_err(|e| {
            if e.class == ErrorClass::NumberOfRetriesExceeded {
                Error::new(
                    ErrorClass::GroupCoordinatorNotFound,
                    format!("Failed to find {kind} coordinator for {key}: {}", e.message),
                    false,
                )
                .with_cause(e)
            } else {
                e
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A listener that accepts connections and never answers them; `accepted` says when one came.
    async fn black_hole(accepted: Arc<tokio::sync::Notify>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
                accepted.notify_one();
            }
        });
        address
    }

    /// A listener that answers ApiVersions (v2, listing ApiVersions 0–2) and nothing else.
    async fn api_versions_only() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let len = socket.read_i32().await.unwrap() as usize;
                    let mut request = vec![0; len];
                    socket.read_exact(&mut request).await.unwrap();
                    let mut body = request[4..8].to_vec(); // correlation id
                    body.extend_from_slice(&0i16.to_be_bytes()); // error code
                    body.extend_from_slice(&1i32.to_be_bytes()); // one API...
                    for v in [18i16, 0, 2] {
                        body.extend_from_slice(&v.to_be_bytes()); // ...ApiVersions 0 to 2
                    }
                    body.extend_from_slice(&0i32.to_be_bytes()); // throttle time
                    socket.write_i32(body.len() as i32).await.unwrap();
                    socket.write_all(&body).await.unwrap();
                    std::future::pending::<()>().await;
                });
            }
        });
        address
    }

    #[tokio::test]
    async fn a_broker_that_never_answers_delays_connections_to_no_other() {
        let cluster = Cluster::new(ClientConfig {
            request_timeout: Duration::from_secs(10),
            ..ClientConfig::default()
        });
        let accepted = Arc::new(tokio::sync::Notify::new());
        let silent = black_hole(accepted.clone()).await;
        let answering = api_versions_only().await;
        let stuck = {
            let cluster = cluster.clone();
            tokio::spawn(async move { cluster.connect_to(&silent).await })
        };
        // The silent broker's connection is open and waiting for ApiVersions.
        accepted.notified().await;
        let opened = tokio::time::timeout(Duration::from_secs(2), cluster.connect_to(&answering))
            .await
            .expect("not held up by the silent broker");
        assert!(opened.is_ok(), "{:?}", opened.err());
        assert!(!stuck.is_finished());
        stuck.abort();
    }
}
