//! The producer: partitions messages, groups them per leader and sends one ProduceRequest per
//! broker, retrying the partitions whose leadership moved.

mod accumulator;
mod eos;
mod partitioner;
mod sends;
mod turn;

use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde_json::json;

pub use partitioner::{legacy_murmur2, murmur2, PartitionBatch, Partitioner, PartitionerKind};
pub use sends::{Outcomes, Sends, Written};

use crate::cluster::{Cluster, TopicMetadata};
use crate::config::RetryConfig;
use crate::error::{Error, ErrorClass, Result};
use crate::protocol::records::{Compression, Record};
use crate::retry::retry_timed;
use accumulator::{PartOutcome, RecordAccumulator};
use eos::Eos;

#[derive(Debug, Clone)]
pub struct ProducerConfig {
    pub allow_auto_topic_creation: bool,
    pub partitioner: PartitionerKind,
    /// Requests in flight per broker; concurrent sends beyond it share the next request.
    pub max_in_flight_requests: usize,
    /// Batches carry a producer id and sequence numbers, so the broker drops duplicates.
    pub idempotent: bool,
    /// Makes `begin_transaction` available (and the producer idempotent).
    pub transactional_id: Option<String>,
    pub transaction_timeout: i32,
    /// How sends and transaction requests retry: KafkaJS's Kafka-level `retry` merged with the
    /// producer's.
    pub retry: RetryConfig,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            allow_auto_topic_creation: true,
            partitioner: PartitionerKind::Default,
            max_in_flight_requests: 5,
            idempotent: false,
            transactional_id: None,
            transaction_timeout: 60_000,
            retry: RetryConfig::default(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Message {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub partition: Option<i32>,
    pub headers: Vec<(Bytes, Option<Bytes>)>,
    /// Milliseconds since the epoch; now when absent.
    pub timestamp: Option<i64>,
}

impl Message {
    /// The record to write; `now` stands in for a missing timestamp.
    fn into_record(self, now: i64) -> Record {
        Record {
            key: self.key,
            value: self.value,
            headers: self.headers,
            timestamp: self.timestamp.unwrap_or(now),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TopicMessages {
    pub topic: String,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Copy)]
pub struct SendOptions {
    pub acks: i16,
    pub timeout_ms: i32,
    pub compression: Compression,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            acks: -1,
            timeout_ms: 30_000,
            compression: Compression::None,
        }
    }
}

/// KafkaJS's `RecordMetadata`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMetadata {
    pub topic_name: String,
    pub partition: i32,
    pub error_code: i16,
    pub base_offset: i64,
    pub log_append_time: i64,
    pub log_start_offset: i64,
}

type TopicPartition = (String, i32);

/// The outcomes of one attempt's parts: what was written, what must be retried, and the error
/// that ends the send (non-retriable) or explains the retry.
#[derive(Default)]
struct Round {
    written: Vec<RecordMetadata>,
    failed: Vec<(TopicPartition, Vec<Record>)>,
    error: Option<Error>,
}

impl Round {
    fn add(&mut self, tp: TopicPartition, outcome: PartOutcome) {
        match outcome {
            PartOutcome::Written(r) => self.written.push(r),
            PartOutcome::Failed(records, e) => {
                // A non-retriable error outranks a retriable one: it must end the send.
                if self.error.as_ref().is_none_or(|prev| prev.retriable) {
                    self.error = Some(e);
                }
                self.failed.push((tp, records));
            }
        }
    }
}

/// The topics named, each once, in order of appearance.
fn distinct<'a>(names: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut topics: Vec<String> = Vec::new();
    for name in names {
        if !topics.contains(name) {
            topics.push(name.clone());
        }
    }
    topics
}

/// Milliseconds since the epoch: the timestamp of messages sent without one.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// One entry per topic-partition, at the first offset the send wrote there (none for acks 0).
fn summarize(
    order: Vec<TopicPartition>,
    written: Vec<RecordMetadata>,
    options: SendOptions,
) -> Vec<RecordMetadata> {
    if options.acks == 0 {
        return Vec::new();
    }
    let mut out: Vec<RecordMetadata> = Vec::new();
    for tp in order {
        if out
            .iter()
            .any(|r| r.topic_name == tp.0 && r.partition == tp.1)
        {
            continue;
        }
        let first = written
            .iter()
            .filter(|r| r.topic_name == tp.0 && r.partition == tp.1)
            .min_by_key(|r| r.base_offset);
        out.extend(first.cloned());
    }
    out
}

/// What KafkaJS logs of a failed send attempt: errors that fresh metadata may cure are "Failed
/// to send messages", any other is logged as it is.
fn send_failure_message(e: &Error) -> String {
    let stale = matches!(
        e.protocol_kind(),
        Some("UNKNOWN_TOPIC_OR_PARTITION" | "LEADER_NOT_AVAILABLE" | "NOT_LEADER_FOR_PARTITION")
    );
    let refreshed = stale
        || matches!(
            e.class,
            ErrorClass::TopicMetadataNotLoaded
                | ErrorClass::Connection
                | ErrorClass::ConnectionClosed
        )
        || (e.class == ErrorClass::Protocol && e.retriable);
    if refreshed {
        format!("Failed to send messages: {}", e.message)
    } else {
        e.message.clone()
    }
}

pub struct Producer {
    cluster: Arc<Cluster>,
    config: ProducerConfig,
    partitioner: Partitioner,
    accumulator: RecordAccumulator,
    eos: Option<Arc<Eos>>,
}

impl Producer {
    pub fn new(cluster: Arc<Cluster>, config: ProducerConfig) -> Self {
        let eos = (config.idempotent || config.transactional_id.is_some()).then(|| {
            Arc::new(Eos::new(
                config.idempotent,
                config.transactional_id.clone(),
                config.transaction_timeout,
                config.retry,
            ))
        });
        Producer {
            partitioner: Partitioner::new(config.partitioner),
            accumulator: RecordAccumulator::new(config.max_in_flight_requests, eos.clone()),
            cluster,
            config,
            eos,
        }
    }

    /// Connects; an idempotent producer also gets its producer id (a transactional one that is
    /// not idempotent gets it with its first transaction).
    pub async fn connect(&self) -> Result<()> {
        self.cluster.connect().await?;
        match &self.eos {
            Some(eos) if eos.transactional().is_none() => eos.init_producer_id(&self.cluster).await,
            _ => Ok(()),
        }
    }

    fn eos(&self) -> Result<&Eos> {
        self.eos.as_deref().ok_or_else(|| {
            Error::non_retriable("Must provide transactional id for transactional producer")
        })
    }

    /// Opens a transaction: later sends are part of it until `end_transaction`.
    pub async fn begin_transaction(&self) -> Result<()> {
        self.eos()?.begin(&self.cluster).await
    }

    /// Commits `offsets` (topic, partition, next offset) for `group_id` with the transaction.
    pub async fn send_offsets(&self, group_id: &str, offsets: &[(String, i32, i64)]) -> Result<()> {
        self.eos()?
            .send_offsets(&self.cluster, group_id, offsets)
            .await
    }

    /// Commits (or aborts) the open transaction.
    pub async fn end_transaction(&self, commit: bool) -> Result<()> {
        self.eos()?.end(&self.cluster, commit).await
    }

    pub async fn disconnect(&self) {
        self.cluster.disconnect().await
    }

    /// Metadata of `topics`, loaded (and, if allowed, auto-created) when missing: what a custom
    /// partitioner is shown.
    pub async fn topics_metadata(&self, topics: &[String]) -> Result<Vec<Arc<TopicMetadata>>> {
        let metadata = self
            .cluster
            .topics_metadata(topics, self.config.allow_auto_topic_creation)
            .await?;
        topics
            .iter()
            .map(|t| metadata.loaded_topic(t).cloned())
            .collect()
    }

    /// Sends every message; resolves once the broker acknowledged them as `acks` asks, with one
    /// `RecordMetadata` per topic-partition written (none for acks 0). A turn of one send.
    pub async fn send(
        &self,
        batch: Vec<TopicMessages>,
        options: SendOptions,
    ) -> Result<Vec<RecordMetadata>> {
        let names: Vec<String> = batch.iter().map(|tm| tm.topic.clone()).collect();
        let mut sends = Sends::with_capacity(1);
        sends.push(batch, options);
        let outcomes = self.send_many(sends).await;
        let written = outcomes.get(0).map_err(Clone::clone)?;
        Ok(written.iter().map(|w| w.metadata(&names)).collect())
    }

    /// Sends that arrived together (one event-loop turn's), written as one unit (see `turn`):
    /// they share requests, and each send gets its own outcome. Parts that fail go through the
    /// retry loop of their own send. Idempotent and transactional sends too: the accumulator
    /// stamps their batches, and a turn adds its partitions to the open transaction first.
    pub async fn send_many(&self, mut sends: Sends) -> Outcomes {
        if self.eos.as_ref().is_some_and(|eos| eos.stamps()) {
            // Refused before anything is asked of the cluster, as KafkaJS does: a topic that
            // does not exist would otherwise be waited for, without end under an idempotent
            // retry.
            sends.reject_unless(
                |options| options.acks == -1,
                || Error::non_retriable(
                    "Not requiring ack for all messages invalidates the idempotent producer's EoS guarantees",
                ),
            );
        }
        if let Err(e) = self
            .cluster
            .topics_metadata(&sends.live_topics(), self.config.allow_auto_topic_creation)
            .await
        {
            return sends.failed(&e);
        }
        self.send_turn(sends, now_ms()).await
    }

    /// Gets `parts` written, retrying as the `retry` option says with fresh metadata before
    /// each retry; `failed_first` is the error of a first attempt already made.
    async fn deliver(
        &self,
        parts: Vec<(TopicPartition, Vec<Record>)>,
        options: SendOptions,
        topics: &[String],
        failed_first: Option<Error>,
    ) -> Result<Vec<RecordMetadata>> {
        let pending = Mutex::new(parts);
        let written = Mutex::new(Vec::new());
        retry_timed(&self.config.retry, |attempt, retry_time| {
            let (pending, written, failed_first) = (&pending, &written, &failed_first);
            async move {
                let outcome = async {
                    if attempt == 0 {
                        if let Some(e) = failed_first {
                            return Err(e.clone());
                        }
                    } else {
                        // One metadata round trip per attempt: this loop is the retry.
                        self.cluster.fetch_metadata(Some(topics), false).await?;
                    }
                    let work = std::mem::take(&mut *pending.lock().unwrap());
                    let Round {
                        written: done,
                        failed,
                        error,
                    } = self.send_round(work, options).await;
                    written.lock().unwrap().extend(done);
                    let failed_any = !failed.is_empty();
                    *pending.lock().unwrap() = failed;
                    match error {
                        Some(e) => Err(e),
                        None if failed_any => Err(Error::kafka("Some partitions were not written")),
                        None => Ok(()),
                    }
                }
                .await;
                if let Err(e) = &outcome {
                    self.log_send_failure(e, attempt, retry_time);
                }
                outcome
            }
        })
        .await?;
        Ok(written.into_inner().unwrap())
    }

    /// KafkaJS's Producer entry for a failed attempt at a send.
    fn log_send_failure(&self, e: &Error, retry_count: u32, retry_time: u64) {
        self.cluster.config().logger.error("Producer", || {
            let fields = json!({ "retryCount": retry_count, "retryTime": retry_time });
            (send_failure_message(e), fields)
        });
    }

    /// One attempt: every part through the accumulator, concurrently.
    async fn send_round(
        &self,
        work: Vec<(TopicPartition, Vec<Record>)>,
        options: SendOptions,
    ) -> Round {
        let metadata = self.cluster.metadata();
        let attempts = work.into_iter().map(|(tp, records)| {
            let metadata = &metadata;
            async move {
                let (leader, conn) = match self.leader_connection(metadata, &tp).await {
                    Ok(found) => found,
                    Err(e) => return (tp, PartOutcome::Failed(records, e)),
                };
                let outcome = self
                    .accumulator
                    .produce(conn, leader, tp.clone(), records, options)
                    .await;
                (tp, outcome)
            }
        });
        let mut round = Round::default();
        for (tp, outcome) in futures::future::join_all(attempts).await {
            round.add(tp, outcome);
        }
        round
    }

    /// A partition's leader and the connection to it, from cached metadata.
    async fn leader_connection(
        &self,
        metadata: &crate::cluster::Metadata,
        tp: &TopicPartition,
    ) -> Result<(i32, Arc<crate::network::Connection>)> {
        let leader = metadata.leader(&tp.0, tp.1)?;
        Ok((leader, self.cluster.broker(leader).await?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_send_is_logged_as_kafkajs_words_it() {
        let message = |e: Error| send_failure_message(&e);
        // Stale metadata, a retriable protocol error, a lost connection: fresh metadata may cure.
        assert_eq!(
            message(Error::protocol(5)),
            "Failed to send messages: There is no leader for this topic-partition as we are in the middle of a leadership election"
        );
        assert!(message(Error::protocol(19)).starts_with("Failed to send messages: "));
        assert_eq!(
            message(Error::connection(
                "b:1",
                "Connection error: connect ECONNREFUSED b:1"
            )),
            "Failed to send messages: Connection error: connect ECONNREFUSED b:1"
        );
        // What no retry cures is logged as it is.
        assert_eq!(
            message(Error::protocol(10)),
            "The request included a message larger than the max message size the server will accept"
        );
    }
}
