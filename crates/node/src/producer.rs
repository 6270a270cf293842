//! `NativeProducer`: one call per `send`, whatever the number of messages.

use bytes::Bytes;
use kafkars_client::cluster::Cluster;
use kafkars_client::producer::{
    Message, PartitionerKind, Producer, ProducerConfig, RecordMetadata, SendOptions, TopicMessages,
};
use kafkars_client::protocol::records::Compression;
use std::sync::Arc;

use napi::bindgen_prelude::{Buffer, Either, PromiseRaw};
use napi::Env;
use napi::Result;
use napi_derive::napi;

use crate::admin::TopicMetadataOutput;
use crate::config::{ClientOptions, RetryOptions};
use crate::consumer::{parse_offsets, TopicPartitionOffsetInput};
use crate::error::{to_message, to_napi};
use crate::events::{observe_requests, EventCallback};

#[napi(object)]
pub struct ProducerOptions {
    pub allow_auto_topic_creation: bool,
    /// `"default"` or `"legacy"`.
    pub partitioner: String,
    pub retry: Option<RetryOptions>,
    /// KafkaJS's `maxInFlightRequests` per broker; unset (KafkaJS: unlimited) lets five requests
    /// fly, and concurrent sends beyond that share requests.
    pub max_in_flight_requests: Option<u32>,
    /// KafkaJS's `metadataMaxAge`, in milliseconds.
    pub metadata_max_age: Option<f64>,
    pub idempotent: bool,
    pub transactional_id: Option<String>,
    pub transaction_timeout: i32,
}

#[napi(object)]
pub struct HeaderInput {
    pub key: String,
    pub value: Option<Either<Buffer, String>>,
}

#[napi(object)]
pub struct MessageInput {
    pub key: Option<Either<Buffer, String>>,
    pub value: Option<Either<Buffer, String>>,
    pub partition: Option<i32>,
    pub headers: Option<Vec<HeaderInput>>,
    /// Milliseconds since the epoch, as KafkaJS's string timestamp.
    pub timestamp: Option<String>,
}

#[napi(object)]
pub struct TopicMessagesInput {
    pub topic: String,
    pub messages: Vec<MessageInput>,
}

#[napi(object)]
pub struct RecordMetadataOutput {
    pub topic_name: String,
    pub partition: i32,
    pub error_code: i32,
    pub base_offset: String,
    pub log_append_time: String,
    pub log_start_offset: String,
}

impl From<RecordMetadata> for RecordMetadataOutput {
    fn from(r: RecordMetadata) -> Self {
        RecordMetadataOutput {
            topic_name: r.topic_name,
            partition: r.partition,
            error_code: r.error_code as i32,
            base_offset: r.base_offset.to_string(),
            log_append_time: r.log_append_time.to_string(),
            log_start_offset: r.log_start_offset.to_string(),
        }
    }
}

pub fn bytes(v: Either<Buffer, String>) -> Bytes {
    match v {
        Either::A(b) => Bytes::copy_from_slice(&b),
        Either::B(s) => Bytes::from(s.into_bytes()),
    }
}

fn convert(input: Vec<TopicMessagesInput>) -> Result<Vec<TopicMessages>> {
    input
        .into_iter()
        .map(|tm| {
            let messages = tm
                .messages
                .into_iter()
                .map(|m| {
                    let timestamp = match m.timestamp {
                        Some(t) => Some(t.parse::<i64>().map_err(|_| {
                            napi::Error::from_reason(format!("Invalid message timestamp {t:?}"))
                        })?),
                        None => None,
                    };
                    Ok(Message {
                        key: m.key.map(bytes),
                        value: m.value.map(bytes),
                        partition: m.partition,
                        headers: m
                            .headers
                            .unwrap_or_default()
                            .into_iter()
                            .map(|h| (Bytes::from(h.key.into_bytes()), h.value.map(bytes)))
                            .collect(),
                        timestamp,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(TopicMessages {
                topic: tm.topic,
                messages,
            })
        })
        .collect()
}

/// One `send`/`sendBatch` call, as handed over in a `sendMany` batch.
#[napi(object)]
pub struct SendRequest {
    pub topic_messages: Vec<TopicMessagesInput>,
    pub acks: i32,
    pub timeout: i32,
    pub compression: i32,
}

/// One send's result: its RecordMetadata, or its error as a marked message.
#[napi(object)]
pub struct SendOutcome {
    pub results: Option<Vec<RecordMetadataOutput>>,
    pub error: Option<String>,
}

#[napi]
pub struct NativeProducer {
    producer: Arc<Producer>,
    cluster: Arc<Cluster>,
}

#[napi]
impl NativeProducer {
    #[napi(constructor)]
    pub fn new(client: ClientOptions, options: ProducerOptions) -> Self {
        let cluster =
            Cluster::new(client.to_config(options.retry.as_ref(), options.metadata_max_age));
        let partitioner = match options.partitioner.as_str() {
            "legacy" => PartitionerKind::Legacy,
            _ => PartitionerKind::Default,
        };
        NativeProducer {
            producer: Arc::new(Producer::new(
                cluster.clone(),
                ProducerConfig {
                    allow_auto_topic_creation: options.allow_auto_topic_creation,
                    partitioner,
                    max_in_flight_requests: options.max_in_flight_requests.unwrap_or(5) as usize,
                    idempotent: options.idempotent,
                    transactional_id: options.transactional_id,
                    transaction_timeout: options.transaction_timeout,
                },
            )),
            cluster,
        }
    }

    /// Reports each request's network.* event to `onEvent`, or stops when it is absent.
    #[napi]
    pub fn observe_requests(&self, on_event: Option<EventCallback>) {
        observe_requests(&self.cluster, on_event);
    }

    #[napi]
    pub async fn begin_transaction(&self) -> Result<()> {
        self.producer.begin_transaction().await.map_err(to_napi)
    }

    #[napi]
    pub async fn send_offsets(
        &self,
        group_id: String,
        offsets: Vec<TopicPartitionOffsetInput>,
    ) -> Result<()> {
        let offsets = parse_offsets(offsets)?;
        self.producer
            .send_offsets(&group_id, &offsets)
            .await
            .map_err(to_napi)
    }

    /// Commits the open transaction, or aborts it.
    #[napi]
    pub async fn end_transaction(&self, commit: bool) -> Result<()> {
        self.producer.end_transaction(commit).await.map_err(to_napi)
    }

    #[napi]
    pub async fn connect(&self) -> Result<()> {
        self.producer.connect().await.map_err(to_napi)
    }

    #[napi]
    pub async fn disconnect(&self) -> Result<()> {
        self.producer.disconnect().await;
        Ok(())
    }

    /// Topic metadata for a custom (JavaScript) partitioner.
    #[napi]
    pub async fn topic_metadata(&self, topics: Vec<String>) -> Result<Vec<TopicMetadataOutput>> {
        let metas = self
            .producer
            .topics_metadata(&topics)
            .await
            .map_err(to_napi)?;
        Ok(metas.iter().map(|t| t.as_ref().into()).collect())
    }

    /// Runs many sends at once — the ones JavaScript issued in one event-loop turn — so a
    /// crossing into Rust serves them all; each keeps its own result or error. The messages are
    /// copied out here, on the JavaScript thread: a Buffer released on another thread costs a
    /// hop back to this one, per Buffer.
    #[napi(ts_return_type = "Promise<Array<SendOutcome>>")]
    pub fn send_many<'env>(
        &self,
        env: &'env Env,
        requests: Vec<SendRequest>,
    ) -> Result<PromiseRaw<'env, Vec<SendOutcome>>> {
        let sends: Vec<_> = requests
            .into_iter()
            .map(|r| {
                let batch = convert(r.topic_messages)
                    .map_err(|e| kafkars_client::Error::non_retriable(e.reason.clone()));
                let compression = Compression::from_code(r.compression);
                (batch, r.acks, r.timeout, compression)
            })
            .collect();
        let producer = self.producer.clone();
        env.spawn_future(async move {
            let sends = sends
                .into_iter()
                .map(|(batch, acks, timeout, compression)| {
                    let producer = &producer;
                    async move {
                        let options = SendOptions {
                            acks: acks as i16,
                            timeout_ms: timeout,
                            compression: compression?,
                        };
                        producer.send(batch?, options).await
                    }
                });
            Ok(futures::future::join_all(sends)
                .await
                .into_iter()
                .map(|outcome| match outcome {
                    Ok(written) => SendOutcome {
                        results: Some(written.into_iter().map(Into::into).collect()),
                        error: None,
                    },
                    Err(e) => SendOutcome {
                        results: None,
                        error: Some(to_message(&e)),
                    },
                })
                .collect())
        })
    }
}
