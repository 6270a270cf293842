//! `NativeProducer`: one call per event-loop turn's sends, whatever the number of messages.

use std::sync::Arc;

use bytes::Bytes;
use kafkars_client::cluster::Cluster;
use kafkars_client::producer::{PartitionerKind, Producer, ProducerConfig};

use kafkars_client::task::catch_panic;
use kafkars_client::Error;
use napi::bindgen_prelude::{Buffer, FnArgs};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Result, Status};
use napi_derive::napi;

use crate::admin::TopicMetadataOutput;
use crate::config::{ClientOptions, RetryOptions};
use crate::consumer::{parse_offsets, TopicPartitionOffsetInput};
use crate::error::{panic_error, to_message, to_napi};
use crate::events::{observe_requests, EventCallback};
use crate::wire;

#[napi(object)]
pub struct ProducerOptions {
    pub allow_auto_topic_creation: bool,
    /// `"default"` or `"legacy"`.
    pub partitioner: String,
    /// How sends and transaction requests retry: the Kafka-level `retry` merged with the
    /// producer's.
    pub retry: RetryOptions,
    /// KafkaJS's `maxInFlightRequests` per broker; unset (KafkaJS: unlimited) lets five requests
    /// fly, and concurrent sends beyond that share requests.
    pub max_in_flight_requests: Option<u32>,
    /// KafkaJS's `metadataMaxAge`, in milliseconds.
    pub metadata_max_age: Option<f64>,
    pub idempotent: bool,
    pub transactional_id: Option<String>,
    pub transaction_timeout: i32,
}

/// A turn's results for JavaScript: the turn's id, and the results buffer or a marked error.
type TurnResults = FnArgs<(u32, Option<Buffer>, Option<String>)>;

/// Weak: JavaScript holds Node's event loop open while it has sends in flight, and only then.
pub type ResultsCallback = ThreadsafeFunction<TurnResults, (), TurnResults, Status, false, true>;

#[napi]
pub struct NativeProducer {
    producer: Arc<Producer>,
    cluster: Arc<Cluster>,
    on_results: Arc<ResultsCallback>,
}

#[napi]
impl NativeProducer {
    #[napi(constructor)]
    pub fn new(
        client: ClientOptions,
        options: ProducerOptions,
        #[napi(
            ts_arg_type = "(turn: number, results: Buffer | null, error: string | null) => void"
        )]
        on_results: ResultsCallback,
    ) -> Self {
        let cluster = Cluster::new(client.into_config(options.metadata_max_age));
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
                    retry: (&options.retry).into(),
                },
            )),
            cluster,
            on_results: Arc::new(on_results),
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

    /// Runs the sends JavaScript issued in one event-loop turn, laid out in one buffer (see
    /// `wire.rs`), so one crossing serves them all; each keeps its own result or error, and
    /// `onResults` gets them as `(turn, results)` or `(turn, null, error)`. A promise per call
    /// made napi-rs create a threadsafe function, an error with a stack trace and a cleanup
    /// hook each time: a tenth of Node's work per single-message send. The buffer is copied
    /// once, here on the JavaScript thread, and read on the engine's: every key and value is a
    /// slice of that copy.
    #[napi]
    pub fn send_encoded(&self, sends: Buffer, turn: u32) {
        let sends = Bytes::copy_from_slice(&sends);
        let producer = self.producer.clone();
        let on_results = self.on_results.clone();
        napi::bindgen_prelude::spawn(async move {
            let run = async move {
                let sends = wire::read_sends(sends)?;
                let outcomes = producer.send_many(sends).await;
                Ok::<_, String>(wire::write_results(&outcomes))
            };
            // A panic must reach the sends as an error, not end the engine's thread unheard.
            let args = match catch_panic(run).await {
                Ok(Ok(results)) => (turn, Some(Buffer::from(results)), None),
                Ok(Err(message)) => (turn, None, Some(to_message(&Error::non_retriable(message)))),
                Err(panic) => (turn, None, Some(to_message(&panic_error(panic)))),
            };
            on_results.call(args.into(), ThreadsafeFunctionCallMode::NonBlocking);
        });
    }
}
