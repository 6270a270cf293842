//! `NativeConsumer`: the engine hands JavaScript one fetched batch per call, its records laid out
//! in one Buffer with an index, so no Buffer is created per key or value across the boundary.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::FutureExt;
use kafkars_client::cluster::Cluster;
use kafkars_client::consumer::{
    AssignRequest, BatchOutcome, Consumer, ConsumerConfig, ConsumerEvent, ExternalAssigner,
    FetchedBatch, RunConfig,
};
use napi::bindgen_prelude::{BigInt64Array, Buffer, Int32Array, Promise};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Result, Status};
use napi_derive::napi;
use serde_json::{json, Value};

use crate::admin::GroupDescriptionOutput;
use crate::admin::TopicMetadataOutput;
use crate::config::{ClientOptions, RetryOptions};
use crate::error::{description, to_napi};
use crate::events::{observe_requests, EngineEvent, EventCallback};

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

/// A record batch header: KafkaJS's `batchContext`, offsets and times as strings.
#[napi(object)]
pub struct BatchContext {
    pub first_offset: String,
    pub first_timestamp: String,
    pub partition_leader_epoch: i32,
    pub in_transaction: bool,
    pub is_control_batch: bool,
    pub last_offset_delta: i32,
    pub producer_id: String,
    pub producer_epoch: i32,
    pub first_sequence: i32,
    pub max_timestamp: String,
    pub timestamp_type: i32,
    pub magic_byte: i32,
}

/// One partition's fetched records. Record `i` is described by `index[i*8 .. i*8+8]`:
/// key start, key length (-1: null), value start, value length, first header, header count,
/// batch context, attributes; header `j` by `headerIndex[j*4 .. j*4+4]`: key start, key
/// length, value start, value length. Offsets and timestamps cross exactly, as BigInts.
#[napi(object)]
pub struct FetchedBatchOutput {
    pub topic: String,
    pub partition: i32,
    pub high_watermark: String,
    pub data: Buffer,
    pub index: Int32Array,
    pub header_index: Int32Array,
    pub offsets: BigInt64Array,
    pub timestamps: BigInt64Array,
    /// The first and last offset fetched, transaction markers and aborted records included
    /// (KafkaJS's `batch.firstOffset()` and `lastOffset()`); absent when nothing was.
    pub first_offset: Option<String>,
    pub last_offset: Option<String>,
    pub batch_contexts: Vec<BatchContext>,
    /// Messages resolved and not committed when the batch was handed out.
    pub uncommitted: f64,
    /// Milliseconds since the last commit when the batch was handed out.
    pub since_commit: f64,
}

/// The JavaScript loop's answer for a batch.
#[napi(object)]
pub struct BatchResult {
    /// The offset after the last message handled, as a string; null when none was.
    pub next_offset: Option<String>,
    pub failed: bool,
    /// The handler threw an error KafkaJS's retrier gives up on at once.
    pub non_retriable: bool,
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

#[napi(object)]
pub struct ProtocolInput {
    pub name: String,
    pub metadata: Buffer,
}

/// What a custom assigner's `assign` is called with, plus what the JavaScript side needs to
/// answer `cluster.findTopicPartitionMetadata`.
#[napi(object)]
pub struct AssignInput {
    pub protocol: String,
    pub members: Vec<MemberInput>,
    pub topics: Vec<String>,
    pub partitions: Vec<TopicMetadataOutput>,
}

#[napi(object)]
pub struct MemberInput {
    pub member_id: String,
    pub member_metadata: Buffer,
}

#[napi(object)]
pub struct AssignmentInput {
    pub member_id: String,
    pub member_assignment: Buffer,
}

type BatchCallback =
    ThreadsafeFunction<FetchedBatchOutput, Promise<BatchResult>, FetchedBatchOutput, Status, false>;
type AssignCallback =
    ThreadsafeFunction<AssignInput, Promise<Vec<AssignmentInput>>, AssignInput, Status, false>;

/// The user's assigners, run in JavaScript when this member leads the group.
struct JsAssigner {
    protocols: Vec<(String, Bytes)>,
    assign: Arc<AssignCallback>,
}

impl ExternalAssigner for JsAssigner {
    fn protocols(&self) -> Vec<(String, Bytes)> {
        self.protocols.clone()
    }

    fn assign(
        &self,
        request: AssignRequest,
    ) -> BoxFuture<'static, kafkars_client::error::Result<Vec<(String, Bytes)>>> {
        let assign = self.assign.clone();
        async move {
            let failed = |what: String| {
                kafkars_client::error::Error::kafka(format!(
                    "The partition assigner {:?} failed: {what}",
                    request.protocol
                ))
            };
            let input = AssignInput {
                protocol: request.protocol.clone(),
                members: request
                    .members
                    .iter()
                    .map(|(id, metadata)| MemberInput {
                        member_id: id.clone(),
                        member_metadata: metadata.to_vec().into(),
                    })
                    .collect(),
                topics: request.topics.clone(),
                partitions: request
                    .partitions
                    .iter()
                    .map(|t| TopicMetadataOutput::from(t.as_ref()))
                    .collect(),
            };
            let promise = assign
                .call_async_catch(input)
                .await
                .map_err(|e| failed(e.reason.clone()))?;
            let assignments = promise.await.map_err(|e| failed(e.reason.clone()))?;
            Ok(assignments
                .into_iter()
                .map(|a| (a.member_id, Bytes::copy_from_slice(&a.member_assignment)))
                .collect())
        }
        .boxed()
    }
}

fn to_output(batch: FetchedBatch) -> FetchedBatchOutput {
    let r = batch.records;
    let mut index = Vec::with_capacity(r.records.len() * 8);
    let mut offsets = Vec::with_capacity(r.records.len());
    let mut timestamps = Vec::with_capacity(r.records.len());
    for rec in &r.records {
        index.extend_from_slice(&[
            rec.key.start as i32,
            rec.key.len,
            rec.value.start as i32,
            rec.value.len,
            rec.headers_start as i32,
            rec.headers_count as i32,
            rec.batch as i32,
            rec.attributes as i32,
        ]);
        offsets.push(rec.offset);
        timestamps.push(rec.timestamp);
    }
    let mut header_index = Vec::with_capacity(r.headers.len() * 4);
    for h in &r.headers {
        header_index.extend_from_slice(&[
            h.key.start as i32,
            h.key.len,
            h.value.start as i32,
            h.value.len,
        ]);
    }
    let batch_contexts = r
        .batches
        .iter()
        .map(|b| BatchContext {
            first_offset: b.base_offset.to_string(),
            first_timestamp: b.first_timestamp.to_string(),
            partition_leader_epoch: b.partition_leader_epoch,
            in_transaction: b.in_transaction,
            is_control_batch: b.is_control,
            last_offset_delta: b.last_offset_delta,
            producer_id: b.producer_id.to_string(),
            producer_epoch: b.producer_epoch as i32,
            first_sequence: b.base_sequence,
            max_timestamp: b.max_timestamp.to_string(),
            timestamp_type: b.timestamp_type as i32,
            magic_byte: b.magic as i32,
        })
        .collect();
    FetchedBatchOutput {
        topic: batch.topic,
        partition: batch.partition,
        high_watermark: batch.high_watermark.to_string(),
        data: r.data.into(),
        index: index.into(),
        header_index: header_index.into(),
        offsets: offsets.into(),
        timestamps: timestamps.into(),
        first_offset: r.first_offset.map(|o| o.to_string()),
        last_offset: r.last_offset.map(|o| o.to_string()),
        batch_contexts,
        uncommitted: batch.uncommitted as f64,
        since_commit: batch.since_commit.as_secs_f64() * 1000.0,
    }
}

fn assignment_json(assignment: &[(String, Vec<i32>)]) -> Value {
    Value::Object(
        assignment
            .iter()
            .map(|(topic, partitions)| (topic.clone(), json!(partitions)))
            .collect(),
    )
}

/// A consumer event as KafkaJS's instrumentation payload: its type suffix and fields, in
/// KafkaJS's order.
fn event_json(event: &ConsumerEvent) -> (&'static str, Value) {
    match event {
        ConsumerEvent::GroupJoin {
            duration,
            group_id,
            is_leader,
            leader_id,
            group_protocol,
            member_id,
            member_assignment,
        } => (
            "group_join",
            json!({
                "duration": duration.as_millis() as u64,
                "groupId": group_id,
                "isLeader": is_leader,
                "leaderId": leader_id,
                "groupProtocol": group_protocol,
                "memberId": member_id,
                "memberAssignment": assignment_json(member_assignment),
            }),
        ),
        ConsumerEvent::Heartbeat {
            group_id,
            member_id,
            generation_id,
        } => (
            "heartbeat",
            json!({ "groupId": group_id, "memberId": member_id, "groupGenerationId": generation_id }),
        ),
        ConsumerEvent::CommitOffsets {
            group_id,
            member_id,
            generation_id,
            offsets,
        } => {
            // Offsets are strings, as KafkaJS's are; topics in the order first committed.
            let mut topics: Vec<(&String, Vec<Value>)> = Vec::new();
            for (topic, partition, offset) in offsets {
                let entry =
                    json!({ "partition": partition.to_string(), "offset": offset.to_string() });
                match topics.iter_mut().find(|(name, _)| *name == topic) {
                    Some((_, partitions)) => partitions.push(entry),
                    None => topics.push((topic, vec![entry])),
                }
            }
            let topics: Vec<Value> = topics
                .into_iter()
                .map(|(topic, partitions)| json!({ "topic": topic, "partitions": partitions }))
                .collect();
            (
                "commit_offsets",
                json!({
                    "groupId": group_id,
                    "memberId": member_id,
                    "groupGenerationId": generation_id,
                    "topics": topics,
                }),
            )
        }
        ConsumerEvent::Rebalancing {
            group_id,
            member_id,
        } => (
            "rebalancing",
            json!({ "groupId": group_id, "memberId": member_id }),
        ),
        // KafkaJS's node ids here are the strings its broker pool is keyed by.
        ConsumerEvent::FetchStart { node_id } => {
            ("fetch_start", json!({ "nodeId": node_id.to_string() }))
        }
        ConsumerEvent::Fetch {
            node_id,
            number_of_batches,
            duration,
        } => (
            "fetch",
            json!({
                "numberOfBatches": number_of_batches,
                "duration": duration.as_millis() as u64,
                "nodeId": node_id.to_string(),
            }),
        ),
        ConsumerEvent::Warn { message } => ("warn", json!({ "message": message })),
        ConsumerEvent::ReceivedUnsubscribedTopics {
            group_id,
            generation_id,
            member_id,
            assigned_topics,
            topics_subscribed,
            topics_not_subscribed,
        } => (
            "received_unsubscribed_topics",
            json!({
                "groupId": group_id,
                "generationId": generation_id,
                "memberId": member_id,
                "assignedTopics": assigned_topics,
                "topicsSubscribed": topics_subscribed,
                "topicsNotSubscribed": topics_not_subscribed,
            }),
        ),
        ConsumerEvent::Crash {
            error,
            handler_failed,
        } => (
            "crash",
            json!({ "error": description(error), "handlerFailed": handler_failed }),
        ),
    }
}

fn engine_event(event: &ConsumerEvent) -> EngineEvent {
    let (kind, payload) = event_json(event);
    EngineEvent {
        kind: kind.to_string(),
        payload: payload.to_string(),
    }
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
        let assigner = match (options.protocols, on_assign) {
            (Some(protocols), Some(assign)) => Some(Arc::new(JsAssigner {
                protocols: protocols
                    .into_iter()
                    .map(|p| (p.name, Bytes::copy_from_slice(&p.metadata)))
                    .collect(),
                assign: Arc::new(assign),
            }) as Arc<dyn ExternalAssigner>),
            _ => None,
        };
        let on_batch = Arc::new(on_batch);
        let handler = Arc::new(move |batch: FetchedBatch| {
            let on_batch = on_batch.clone();
            async move {
                let failed = BatchOutcome {
                    next_offset: None,
                    failed: true,
                    non_retriable: false,
                };
                let Ok(promise) = on_batch.call_async_catch(to_output(batch)).await else {
                    return failed;
                };
                match promise.await {
                    Ok(result) => BatchOutcome {
                        next_offset: result.next_offset.and_then(|o| o.parse().ok()),
                        failed: result.failed,
                        non_retriable: result.non_retriable,
                    },
                    Err(_) => failed,
                }
            }
            .boxed()
        });
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
