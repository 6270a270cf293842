//! The producer: partitions messages, groups them per leader and sends one ProduceRequest per
//! broker, retrying the partitions whose leadership moved.

mod partitioner;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::ProduceRequest;
use kafka_protocol::protocol::StrBytes;

pub use partitioner::{legacy_murmur2, murmur2, Partitioner, PartitionerKind};

use crate::cluster::Cluster;
use crate::error::{Error, Result};
use crate::protocol::records::{encode_batch, Compression, Record};
use crate::retry::retry;

#[derive(Debug, Clone)]
pub struct ProducerConfig {
    pub allow_auto_topic_creation: bool,
    pub partitioner: PartitionerKind,
}

impl Default for ProducerConfig {
    fn default() -> Self {
        ProducerConfig {
            allow_auto_topic_creation: true,
            partitioner: PartitionerKind::Default,
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

pub struct Producer {
    cluster: Arc<Cluster>,
    config: ProducerConfig,
    partitioner: Partitioner,
}

impl Producer {
    pub fn new(cluster: Arc<Cluster>, config: ProducerConfig) -> Self {
        let partitioner = Partitioner::new(config.partitioner);
        Producer {
            cluster,
            config,
            partitioner,
        }
    }

    pub async fn connect(&self) -> Result<()> {
        self.cluster.connect().await
    }

    pub async fn disconnect(&self) {
        self.cluster.disconnect().await
    }

    /// Sends every message; resolves once the broker acknowledged them as `acks` asks.
    pub async fn send(
        &self,
        batch: Vec<TopicMessages>,
        options: SendOptions,
    ) -> Result<Vec<RecordMetadata>> {
        let topics: Vec<String> = {
            let mut seen = Vec::new();
            for tm in &batch {
                if !seen.contains(&tm.topic) {
                    seen.push(tm.topic.clone());
                }
            }
            seen
        };
        self.cluster
            .topics_metadata(&topics, self.config.allow_auto_topic_creation)
            .await?;
        let pending = Mutex::new(self.partition(batch)?);
        let results = Mutex::new(Vec::new());
        retry(&self.cluster.config().retry, |attempt| {
            let (pending, results, topics) = (&pending, &results, &topics);
            async move {
                if attempt > 0 {
                    self.cluster.refresh_metadata(topics, false).await?;
                }
                let work = std::mem::take(&mut *pending.lock().unwrap());
                let (done, failed, error) = self.send_round(work, options).await;
                results.lock().unwrap().extend(done);
                let failed_any = !failed.is_empty();
                *pending.lock().unwrap() = failed;
                match error {
                    Some(e) => Err(e),
                    None if failed_any => Err(Error::kafka("Some partitions were not written")),
                    None => Ok(()),
                }
            }
        })
        .await?;
        Ok(results.into_inner().unwrap())
    }

    /// Groups messages by topic-partition, in send order, encoded as records.
    fn partition(&self, batch: Vec<TopicMessages>) -> Result<Vec<(TopicPartition, Vec<Record>)>> {
        let metadata = self.cluster.metadata();
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let mut groups: Vec<(TopicPartition, Vec<Record>)> = Vec::new();
        let mut index: HashMap<TopicPartition, usize> = HashMap::new();
        for tm in batch {
            let topic = metadata.topic(&tm.topic).ok_or_else(|| {
                Error::new(
                    crate::error::ErrorClass::TopicMetadataNotLoaded,
                    format!("Topic metadata not loaded for {}", tm.topic),
                    true,
                )
            })?;
            for m in tm.messages {
                let partition = match m.partition {
                    Some(p) => p,
                    None => self.partitioner.partition(topic, m.key.as_deref()),
                };
                let tp = (tm.topic.clone(), partition);
                let slot = *index.entry(tp.clone()).or_insert_with(|| {
                    groups.push((tp, Vec::new()));
                    groups.len() - 1
                });
                groups[slot].1.push(Record {
                    key: m.key,
                    value: m.value,
                    headers: m.headers,
                    timestamp: m.timestamp.unwrap_or(now),
                });
            }
        }
        Ok(groups)
    }

    /// One attempt: a request per leader, concurrently. Returns what was written, what must be
    /// retried, and the error that ends the send (non-retriable) or explains the retry.
    async fn send_round(
        &self,
        work: Vec<(TopicPartition, Vec<Record>)>,
        options: SendOptions,
    ) -> (
        Vec<RecordMetadata>,
        Vec<(TopicPartition, Vec<Record>)>,
        Option<Error>,
    ) {
        let metadata = self.cluster.metadata();
        let mut by_leader: HashMap<i32, Vec<(TopicPartition, Vec<Record>)>> = HashMap::new();
        let mut failed = Vec::new();
        let mut error = None;
        for (tp, records) in work {
            match metadata.leader(&tp.0, tp.1) {
                Ok(leader) => by_leader.entry(leader).or_default().push((tp, records)),
                Err(e) => {
                    error.get_or_insert(e);
                    failed.push((tp, records));
                }
            }
        }
        let requests = by_leader
            .into_iter()
            .map(|(leader, parts)| self.produce_to(leader, parts, options));
        let mut done = Vec::new();
        for (written, retry_parts, e) in join_all(requests).await {
            done.extend(written);
            failed.extend(retry_parts);
            if let Some(e) = e {
                // A non-retriable error outranks a retriable one: it must end the send.
                if error.as_ref().is_none_or(|prev: &Error| prev.retriable) {
                    error = Some(e);
                }
            }
        }
        (done, failed, error)
    }

    async fn produce_to(
        &self,
        leader: i32,
        parts: Vec<(TopicPartition, Vec<Record>)>,
        options: SendOptions,
    ) -> (
        Vec<RecordMetadata>,
        Vec<(TopicPartition, Vec<Record>)>,
        Option<Error>,
    ) {
        let request = match build_request(&parts, options) {
            Ok(r) => r,
            Err(e) => return (Vec::new(), Vec::new(), Some(e)),
        };
        let conn = match self.cluster.broker(leader).await {
            Ok(c) => c,
            Err(e) => return (Vec::new(), parts, Some(e)),
        };
        if options.acks == 0 {
            return match conn.send_no_response(&request).await {
                Ok(()) => (Vec::new(), Vec::new(), None),
                Err(e) => (Vec::new(), parts, Some(e)),
            };
        }
        let response = match conn.send(&request).await {
            Ok(r) => r,
            Err(e) => return (Vec::new(), parts, Some(e)),
        };
        let mut by_tp: HashMap<TopicPartition, Vec<Record>> = parts.into_iter().collect();
        let mut written = Vec::new();
        let mut retry_parts = Vec::new();
        let mut error = None;
        for topic in response.responses {
            let name = topic.name.as_str().to_string();
            for p in topic.partition_responses {
                let records = by_tp.remove(&(name.clone(), p.index));
                if p.error_code == 0 {
                    written.push(RecordMetadata {
                        topic_name: name.clone(),
                        partition: p.index,
                        error_code: 0,
                        base_offset: p.base_offset,
                        log_append_time: p.log_append_time_ms,
                        log_start_offset: p.log_start_offset,
                    });
                    continue;
                }
                let e = Error::protocol(p.error_code).at(&name, p.index);
                if e.retriable {
                    if let Some(records) = records {
                        retry_parts.push(((name.clone(), p.index), records));
                    }
                }
                if error.as_ref().is_none_or(|prev: &Error| prev.retriable) {
                    error = Some(e);
                }
            }
        }
        // A partition the broker did not answer for was not written: send it again.
        retry_parts.extend(by_tp);
        (written, retry_parts, error)
    }
}

fn build_request(
    parts: &[(TopicPartition, Vec<Record>)],
    options: SendOptions,
) -> Result<ProduceRequest> {
    let mut topics: Vec<TopicProduceData> = Vec::new();
    for ((topic, partition), records) in parts {
        let data = PartitionProduceData::default()
            .with_index(*partition)
            .with_records(Some(encode_batch(records, options.compression)?));
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.partition_data.push(data),
            None => topics.push(
                TopicProduceData::default()
                    .with_name(StrBytes::from_string(topic.clone()).into())
                    .with_partition_data(vec![data]),
            ),
        }
    }
    Ok(ProduceRequest::default()
        .with_acks(options.acks)
        .with_timeout_ms(options.timeout_ms)
        .with_topic_data(topics))
}

/// Awaits futures concurrently on the current task.
async fn join_all<F: std::future::Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    futures::future::join_all(futures).await
}
