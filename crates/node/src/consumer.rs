//! `NativeConsumer`: a group consumer whose batches go to JavaScript's loop (see `batch`), whose
//! events cross as JSON (see `events`) and whose custom assigners run in JavaScript (see
//! `assigner`).

use std::sync::Arc;
use std::time::Duration;

use kafkars_client::cluster::Cluster;
use kafkars_client::consumer::{Consumer, ConsumerConfig, ConsumerEvent, RunConfig};
use napi::threadsafe_function::ThreadsafeFunctionCallMode;
use napi::Result;
use napi_derive::napi;

use crate::admin::GroupDescriptionOutput;
use crate::assigner::{js_assigner, AssignCallback, ProtocolInput};
use crate::batch::{batch_handler, BatchCallback};
use crate::config::{ClientOptions, RetryOptions};
use crate::error::to_napi;
use crate::events::{engine_event, observe_requests, EngineEvent, EventCallback};

#[napi(object)]
pub struct ConsumerOptions {
    pub group_id: String,
    pub session_timeout: i32,
    pub rebalance_timeout: i32,
    pub heartbeat_interval: i32,
    pub max_bytes_per_partition: i32,
    pub min_bytes: i32,
    pub max_bytes: i32,
    pub max_wait_time_in_ms: i32,
    pub read_uncommitted: bool,
    pub allow_auto_topic_creation: bool,
    pub rack_id: Option<String>,
    /// How joining, fetching offsets and the handler retry: the Kafka-level `retry` merged with
    /// the consumer's.
    pub retry: RetryOptions,
    /// KafkaJS's `metadataMaxAge`, in milliseconds.
    pub metadata_max_age: Option<f64>,
}

/// A topic and some of its partitions, or all of them (those assigned later too) when absent.
#[napi(object)]
pub struct TopicPartitionsInput {
    pub topic: String,
    pub partitions: Option<Vec<i32>>,
}

#[napi(object)]
pub struct TopicPartitionsOutput {
    pub topic: String,
    pub partitions: Vec<i32>,
}

#[napi(object)]
pub struct TopicPartitionOffsetInput {
    pub topic: String,
    pub partition: i32,
    pub offset: String,
}

#[napi(object)]
pub struct TopicPartitionOffsetOutput {
    pub topic: String,
    pub partition: i32,
    pub offset: String,
}

#[napi(object)]
pub struct RunOptions {
    pub auto_commit: bool,
    pub partitions_consumed_concurrently: u32,
    /// The custom assigners' JoinGroup protocols, preferred first; absent for the built-in
    /// round-robin, which the engine runs itself.
    pub protocols: Option<Vec<ProtocolInput>>,
}

pub(crate) fn parse_offsets(
    offsets: Vec<TopicPartitionOffsetInput>,
) -> Result<Vec<(String, i32, i64)>> {
    offsets
        .into_iter()
        .map(|o| {
            let offset = o
                .offset
                .parse::<i64>()
                .map_err(|_| napi::Error::from_reason(format!("Invalid offset {:?}", o.offset)))?;
            Ok((o.topic, o.partition, offset))
        })
        .collect()
}

#[napi]
pub struct NativeConsumer {
    consumer: Consumer,
    cluster: Arc<Cluster>,
}

#[napi]
impl NativeConsumer {
    #[napi(constructor)]
    pub fn new(client: ClientOptions, options: ConsumerOptions) -> Self {
        let cluster = Cluster::new(client.into_config(options.metadata_max_age));
        let mut config = ConsumerConfig::new(options.group_id);
        config.session_timeout = options.session_timeout;
        config.rebalance_timeout = options.rebalance_timeout;
        config.heartbeat_interval = Duration::from_millis(options.heartbeat_interval.max(1) as u64);
        config.max_bytes_per_partition = options.max_bytes_per_partition;
        config.min_bytes = options.min_bytes;
        config.max_bytes = options.max_bytes;
        config.max_wait_time = options.max_wait_time_in_ms;
        config.read_uncommitted = options.read_uncommitted;
        config.allow_auto_topic_creation = options.allow_auto_topic_creation;
        config.rack_id = options.rack_id.unwrap_or_default();
        config.retry = (&options.retry).into();
        NativeConsumer {
            consumer: Consumer::new(cluster.clone(), config),
            cluster,
        }
    }

    /// Reports each request's network.* event to `onEvent`, or stops when it is absent.
    #[napi]
    pub fn observe_requests(&self, on_event: Option<EventCallback>) {
        observe_requests(&self.cluster, on_event);
    }

    #[napi]
    pub async fn connect(&self) -> Result<()> {
        self.consumer.connect().await.map_err(to_napi)
    }

    #[napi]
    pub async fn disconnect(&self) -> Result<()> {
        self.consumer.disconnect().await;
        Ok(())
    }

    #[napi]
    pub async fn stop(&self) -> Result<()> {
        self.consumer.stop().await;
        Ok(())
    }

    #[napi]
    pub fn is_running(&self) -> bool {
        self.consumer.is_running()
    }

    #[napi]
    pub async fn subscribe(&self, topics: Vec<String>, from_beginning: bool) -> Result<()> {
        self.consumer
            .subscribe(&topics, from_beginning)
            .await
            .map_err(to_napi)
    }

    /// Joins the group and consumes until `stop`; `onBatch` is held only while running, so a
    /// stopped consumer leaves nothing that keeps Node alive.
    #[napi]
    pub async fn run(
        &self,
        options: RunOptions,
        on_batch: BatchCallback,
        on_event: EventCallback,
        on_assign: Option<AssignCallback>,
    ) -> Result<()> {
        let assigner = options
            .protocols
            .zip(on_assign)
            .map(|(protocols, assign)| js_assigner(protocols, assign));
        let handler = batch_handler(on_batch);
        let events = Arc::new(move |event: ConsumerEvent| {
            on_event.call(
                engine_event(&event),
                ThreadsafeFunctionCallMode::NonBlocking,
            );
        });
        self.consumer
            .run(
                RunConfig {
                    auto_commit: options.auto_commit,
                    partitions_consumed_concurrently: options
                        .partitions_consumed_concurrently
                        .max(1) as usize,
                    assigner,
                },
                handler,
                events,
            )
            .await
            .map_err(to_napi)
    }

    #[napi]
    pub fn seek(&self, topic: String, partition: i32, offset: String) -> Result<()> {
        let offset = offset
            .parse::<i64>()
            .map_err(|_| napi::Error::from_reason(format!("Invalid offset {offset:?}")))?;
        self.consumer.seek(&topic, partition, offset);
        Ok(())
    }

    /// Whether a seek of the partition waits to be applied, which makes its batch stale.
    #[napi]
    pub fn seek_pending(&self, topic: String, partition: i32) -> bool {
        self.consumer.seek_pending(&topic, partition)
    }

    #[napi]
    pub fn pause(&self, topics: Vec<TopicPartitionsInput>) {
        for t in topics {
            self.consumer.pause(&t.topic, t.partitions.as_deref());
        }
    }

    #[napi]
    pub fn resume(&self, topics: Vec<TopicPartitionsInput>) {
        for t in topics {
            self.consumer.resume(&t.topic, t.partitions.as_deref());
        }
    }

    #[napi]
    pub fn is_paused(&self, topic: String, partition: i32) -> bool {
        self.consumer.is_paused(&topic, partition)
    }

    #[napi]
    pub fn paused(&self) -> Vec<TopicPartitionsOutput> {
        self.consumer
            .paused()
            .into_iter()
            .map(|(topic, partitions)| TopicPartitionsOutput { topic, partitions })
            .collect()
    }

    /// This member's id in its group, once it joined.
    #[napi]
    pub fn member_id(&self) -> Option<String> {
        self.consumer.member_id()
    }

    #[napi]
    pub async fn describe_group(&self) -> Result<GroupDescriptionOutput> {
        let group = self.consumer.describe_group().await.map_err(to_napi)?;
        Ok(group.into())
    }

    /// Commits; returns the COMMIT_OFFSETS event for JavaScript to emit before resolving.
    #[napi]
    pub async fn commit_offsets(
        &self,
        offsets: Vec<TopicPartitionOffsetInput>,
    ) -> Result<Option<EngineEvent>> {
        let parsed = parse_offsets(offsets)?;
        let event = self
            .consumer
            .commit_offsets(&parsed)
            .await
            .map_err(to_napi)?;
        Ok(event.as_ref().map(engine_event))
    }

    /// The handler's `heartbeat()`; returns the HEARTBEAT event for JavaScript to emit before
    /// resolving.
    #[napi]
    pub async fn heartbeat(&self) -> Result<Option<EngineEvent>> {
        let event = self.consumer.heartbeat().await.map_err(to_napi)?;
        Ok(event.as_ref().map(engine_event))
    }

    /// Resolved offsets not yet committed; the JavaScript side adds those of running batches.
    #[napi]
    pub fn uncommitted_offsets(&self) -> Vec<TopicPartitionOffsetOutput> {
        self.consumer
            .uncommitted_offsets()
            .into_iter()
            .map(|(topic, partition, offset)| TopicPartitionOffsetOutput {
                topic,
                partition,
                offset: offset.to_string(),
            })
            .collect()
    }

    /// Commits every resolved offset, `inFlight` being how far running batches got.
    #[napi]
    pub async fn commit_resolved(
        &self,
        in_flight: Vec<TopicPartitionOffsetInput>,
    ) -> Result<Option<EngineEvent>> {
        let parsed = parse_offsets(in_flight)?;
        let event = self
            .consumer
            .commit_resolved(&parsed)
            .await
            .map_err(to_napi)?;
        Ok(event.as_ref().map(engine_event))
    }
}
