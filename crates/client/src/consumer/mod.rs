//! The group consumer. `run` joins the group and spawns the runner, which fetches from each
//! partition's leader (or the replica in the consumer's rack) and hands one batch at a time to
//! the user's handler; heartbeats go out where KafkaJS sends them, and on a task of their own
//! while a handler runs, so a slow handler does not cost the member its place in the group.

mod assigner;
mod fetcher;
pub(crate) mod group;
mod heartbeat;
mod pauses;
mod positions;
mod read_replicas;
mod runner;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;

use futures::future::BoxFuture;
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinHandle;

pub use assigner::{
    decode_assignment, decode_member_topics, encode_assignment, encode_member_metadata, ROUND_ROBIN,
};
pub use group::Generation;

use crate::cluster::Cluster;
use crate::config::RetryConfig;
use crate::error::{Error, Result};
use crate::protocol::records::DecodedRecords;
use crate::task::catch_panic;

#[derive(Debug, Clone)]
pub struct ConsumerConfig {
    pub group_id: String,
    pub session_timeout: i32,
    pub rebalance_timeout: i32,
    pub heartbeat_interval: Duration,
    pub max_bytes_per_partition: i32,
    pub min_bytes: i32,
    pub max_bytes: i32,
    pub max_wait_time: i32,
    pub read_uncommitted: bool,
    pub allow_auto_topic_creation: bool,
    pub rack_id: String,
    pub retry: RetryConfig,
}

impl ConsumerConfig {
    /// KafkaJS's consumer defaults for `group_id`.
    pub fn new(group_id: impl Into<String>) -> Self {
        ConsumerConfig {
            group_id: group_id.into(),
            session_timeout: 30_000,
            rebalance_timeout: 60_000,
            heartbeat_interval: Duration::from_millis(3000),
            max_bytes_per_partition: 1024 * 1024,
            min_bytes: 1,
            max_bytes: 10 * 1024 * 1024,
            max_wait_time: 5000,
            read_uncommitted: false,
            allow_auto_topic_creation: true,
            rack_id: String::new(),
            retry: RetryConfig::default(),
        }
    }
}

#[derive(Clone)]
pub struct RunConfig {
    pub auto_commit: bool,
    /// How many partitions' batches the handler may work on at once.
    pub partitions_consumed_concurrently: usize,
    /// The group's assignment strategies when they are not the built-in round-robin.
    pub assigner: Option<Arc<dyn ExternalAssigner>>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            auto_commit: true,
            partitions_consumed_concurrently: 1,
            assigner: None,
        }
    }
}

/// What the group leader's assigner is given: every member's JoinGroup metadata, the union of
/// the topics they subscribe to, and those topics' partitions.
#[derive(Debug, Clone)]
pub struct AssignRequest {
    pub protocol: String,
    pub members: Vec<(String, Bytes)>,
    pub topics: Vec<String>,
    pub partitions: Vec<Arc<crate::cluster::TopicMetadata>>,
}

/// Partition assignment strategies written outside the engine (KafkaJS's custom assigners).
pub trait ExternalAssigner: Send + Sync {
    /// JoinGroup's protocols, preferred first: each strategy's name and member metadata.
    fn protocols(&self) -> Vec<(String, Bytes)>;
    /// As the group leader: each member's encoded assignment.
    fn assign(&self, request: AssignRequest) -> BoxFuture<'static, Result<Vec<(String, Bytes)>>>;
}

/// One partition's records from one fetch.
#[derive(Debug)]
pub struct FetchedBatch {
    pub topic: String,
    pub partition: i32,
    pub high_watermark: i64,
    pub last_stable_offset: i64,
    pub log_start_offset: i64,
    pub records: DecodedRecords,
    /// Messages resolved but not committed across the assignment when the batch was handed
    /// out, and the time since the last commit: what autoCommitThreshold and
    /// autoCommitInterval are measured against.
    pub uncommitted: i64,
    pub since_commit: Duration,
}

/// What the handler did with a batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct BatchOutcome {
    /// The offset after the last message the handler finished, if any.
    pub next_offset: Option<i64>,
    /// The handler threw; the message at `next_offset` (or the batch's first) is delivered again.
    pub failed: bool,
    /// What it threw is an error KafkaJS's retrier does not retry (marked `retriable: false`,
    /// or a TypeError and its kin): the consumer crashes at once instead.
    pub non_retriable: bool,
}

pub type BatchHandler = Arc<dyn Fn(FetchedBatch) -> BoxFuture<'static, BatchOutcome> + Send + Sync>;

/// What the consumer reports as KafkaJS instrumentation events.
#[derive(Debug, Clone)]
pub enum ConsumerEvent {
    GroupJoin {
        duration: Duration,
        group_id: String,
        is_leader: bool,
        leader_id: String,
        group_protocol: String,
        member_id: String,
        member_assignment: Vec<(String, Vec<i32>)>,
    },
    Heartbeat {
        group_id: String,
        member_id: String,
        generation_id: i32,
    },
    CommitOffsets {
        group_id: String,
        member_id: String,
        generation_id: i32,
        offsets: Vec<(String, i32, i64)>,
    },
    Rebalancing {
        group_id: String,
        member_id: String,
    },
    FetchStart {
        node_id: i32,
    },
    Fetch {
        node_id: i32,
        number_of_batches: usize,
        duration: Duration,
    },
    /// Something the user should know, for the logger's warn level.
    Warn {
        message: String,
    },
    /// The leader assigned this member topics it does not subscribe to; they are ignored.
    ReceivedUnsubscribedTopics {
        group_id: String,
        generation_id: i32,
        member_id: String,
        assigned_topics: Vec<String>,
        topics_subscribed: Vec<String>,
        topics_not_subscribed: Vec<String>,
    },
    /// The runner stopped on `error`; `retry_count`/`retry_time` as KafkaJS's retrier reports.
    Crash {
        error: Error,
        handler_failed: bool,
    },
}

pub type EventSink = Arc<dyn Fn(ConsumerEvent) + Send + Sync>;

#[derive(Debug, Clone)]
struct Subscription {
    topic: String,
    from_beginning: bool,
}

type Tp = (String, i32);

struct Inner {
    cluster: Arc<Cluster>,
    config: ConsumerConfig,
    subscriptions: Mutex<Vec<Subscription>>,
    stopping: AtomicBool,
    rejoin: AtomicBool,
    wake: Notify,
    runner: Mutex<Option<JoinHandle<()>>>,
    generation: Mutex<Option<Generation>>,
    seeks: Mutex<Vec<(String, i32, i64)>>,
    pauses: Mutex<pauses::Pauses>,
    offsets: Mutex<positions::Offsets>,
    heartbeats: heartbeat::Heartbeats,
    /// Partitions read from a follower in the consumer's rack rather than their leader.
    read_replicas: Mutex<read_replicas::ReadReplicas>,
}

impl Inner {
    fn seek_pending(&self, topic: &str, partition: i32) -> bool {
        self.seeks
            .lock()
            .unwrap()
            .iter()
            .any(|(t, p, _)| t == topic && *p == partition)
    }
}

#[derive(Clone)]
pub struct Consumer {
    inner: Arc<Inner>,
}

impl Consumer {
    pub fn new(cluster: Arc<Cluster>, config: ConsumerConfig) -> Self {
        Consumer {
            inner: Arc::new(Inner {
                cluster,
                config,
                subscriptions: Mutex::default(),
                stopping: AtomicBool::new(false),
                rejoin: AtomicBool::new(false),
                wake: Notify::new(),
                runner: Mutex::default(),
                generation: Mutex::default(),
                seeks: Mutex::default(),
                pauses: Mutex::default(),
                offsets: Mutex::default(),
                heartbeats: heartbeat::Heartbeats::default(),
                read_replicas: Mutex::default(),
            }),
        }
    }

    pub async fn connect(&self) -> Result<()> {
        self.inner.cluster.connect().await
    }

    pub fn is_running(&self) -> bool {
        self.inner
            .runner
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|h| !h.is_finished())
    }

    /// Subscribes to `topics`, loading their metadata first as KafkaJS's subscribe does: a topic
    /// the broker does not have (nor creates, under `allow_auto_topic_creation`) fails it.
    pub async fn subscribe(&self, topics: &[String], from_beginning: bool) -> Result<()> {
        self.inner
            .cluster
            .add_target_topics(topics, self.inner.config.allow_auto_topic_creation)
            .await?;
        let mut subs = self.inner.subscriptions.lock().unwrap();
        subs.retain(|s| !topics.contains(&s.topic));
        subs.extend(topics.iter().map(|topic| Subscription {
            topic: topic.clone(),
            from_beginning,
        }));
        Ok(())
    }

    /// Joins the group, then consumes in the background. Resolves once the first join settled
    /// (a failed join is reported as a crash event, as KafkaJS does).
    pub async fn run(
        &self,
        run: RunConfig,
        handler: BatchHandler,
        events: EventSink,
    ) -> Result<()> {
        if self.inner.subscriptions.lock().unwrap().is_empty() {
            return Err(Error::non_retriable(
                "No topics subscribed: call subscribe before run",
            ));
        }
        self.inner.stopping.store(false, Ordering::SeqCst);
        // As KafkaJS, whose every run (a restart after a crash included) starts with a new
        // consumer group holding no pauses.
        *self.inner.pauses.lock().unwrap() = pauses::Pauses::default();
        let (joined_tx, joined_rx) = oneshot::channel();
        let inner = self.inner.clone();
        let handle = tokio::spawn(async move {
            let crashed = (inner.clone(), events.clone());
            let work = runner::run(inner, run, handler, events, joined_tx);
            if let Err(panic) = catch_panic(work).await {
                let (inner, events) = crashed;
                runner::leave_crashed(&inner).await;
                events(ConsumerEvent::Crash {
                    error: Error::non_retriable(format!(
                        "The consumer of group {} stopped on a bug in kafkars (a panic: {panic})",
                        inner.config.group_id
                    )),
                    handler_failed: false,
                });
            }
        });
        *self.inner.runner.lock().unwrap() = Some(handle);
        let _ = joined_rx.await;
        Ok(())
    }

    /// Lets the running handler finish, commits, stops fetching and leaves the group, as
    /// KafkaJS's runner does: a later `run` then joins at once, where a member left behind
    /// would hold the rebalance until its session expired.
    pub async fn stop(&self) {
        self.inner.stopping.store(true, Ordering::SeqCst);
        self.inner.wake.notify_one();
        let handle = self.inner.runner.lock().unwrap().take();
        if let Some(handle) = handle {
            let _ = handle.await;
        }
        let generation = self.inner.generation.lock().unwrap().take();
        if let Some(generation) = generation {
            let _ = group::leave(&self.inner.cluster, &self.inner.config, &generation).await;
        }
    }

    /// Stops (leaving the group) and closes every connection.
    pub async fn disconnect(&self) {
        self.stop().await;
        self.inner.cluster.disconnect().await;
    }

    /// Moves a partition's position; applied before the next fetch.
    pub fn seek(&self, topic: &str, partition: i32, offset: i64) {
        self.inner
            .seeks
            .lock()
            .unwrap()
            .push((topic.to_string(), partition, offset));
        self.inner.wake.notify_one();
    }

    /// Whether a seek of the partition waits to be applied: the batch the handler works on is
    /// then stale, as the next fetch starts from the seek.
    pub fn seek_pending(&self, topic: &str, partition: i32) -> bool {
        self.inner.seek_pending(topic, partition)
    }

    /// Pauses `partitions` of `topic`, or all of them (those assigned later too) when `None`.
    pub fn pause(&self, topic: &str, partitions: Option<&[i32]>) {
        self.inner.pauses.lock().unwrap().pause(topic, partitions);
    }

    /// Resumes `partitions` of `topic`, or the whole topic when `None`.
    pub fn resume(&self, topic: &str, partitions: Option<&[i32]>) {
        self.inner.pauses.lock().unwrap().resume(topic, partitions);
        self.inner.wake.notify_one();
    }

    pub fn is_paused(&self, topic: &str, partition: i32) -> bool {
        self.inner
            .pauses
            .lock()
            .unwrap()
            .is_paused(topic, partition)
    }

    /// The assigned partitions that are paused, as KafkaJS's `paused()` lists them.
    pub fn paused(&self) -> Vec<(String, Vec<i32>)> {
        let generation = self.inner.generation.lock().unwrap();
        let assignment = generation.as_ref().map_or(&[][..], |g| &g.assignment);
        self.inner.pauses.lock().unwrap().of(assignment)
    }

    /// This member's id in its group, once it joined.
    pub fn member_id(&self) -> Option<String> {
        let generation = self.inner.generation.lock().unwrap();
        generation.as_ref().map(|g| g.member_id.clone())
    }

    /// The group as its coordinator describes it.
    pub async fn describe_group(&self) -> Result<crate::admin::GroupDescription> {
        let Inner {
            cluster, config, ..
        } = &*self.inner;
        crate::admin::describe_group(cluster, &config.retry, &config.group_id).await
    }

    /// Commits explicit offsets for the current generation; returns the COMMIT_OFFSETS event.
    pub async fn commit_offsets(
        &self,
        offsets: &[(String, i32, i64)],
    ) -> Result<Option<ConsumerEvent>> {
        positions::commit(&self.inner, offsets.to_vec()).await
    }

    /// The handler's `heartbeat()`: a heartbeat if one is due, returning its HEARTBEAT event; it
    /// fails with the coordinator's error (REBALANCE_IN_PROGRESS while the group rebalances),
    /// and the runner joins again once the handler returns.
    pub async fn heartbeat(&self) -> Result<Option<ConsumerEvent>> {
        heartbeat::beat(&self.inner).await
    }

    /// Offsets resolved and not yet committed: (topic, partition, next offset).
    pub fn uncommitted_offsets(&self) -> Vec<(String, i32, i64)> {
        self.inner.offsets.lock().unwrap().uncommitted()
    }

    /// Records `in_flight` (positions handlers reached in batches still running) as resolved,
    /// then commits everything resolved and not committed; returns the COMMIT_OFFSETS event.
    pub async fn commit_resolved(
        &self,
        in_flight: &[(String, i32, i64)],
    ) -> Result<Option<ConsumerEvent>> {
        let offsets = {
            let mut offsets = self.inner.offsets.lock().unwrap();
            for (t, p, o) in in_flight {
                offsets.resolved.insert((t.clone(), *p), *o);
            }
            offsets.uncommitted()
        };
        positions::commit(&self.inner, offsets).await
    }
}
