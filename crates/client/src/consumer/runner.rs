//! The runner: one generation at a time, it resolves starting offsets, fetches from every
//! partition's leader (or preferred read replica), hands batches to the handler, tracks and
//! commits positions.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures::stream::{FuturesUnordered, StreamExt};
use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::FetchRequest;
use kafka_protocol::protocol::StrBytes;
use tokio::sync::oneshot;

use super::group::{self, is_rebalancing, Generation};
use super::heartbeat;
use super::{
    BatchHandler, BatchOutcome, ConsumerEvent, EventSink, FetchedBatch, Inner, Offsets, RunConfig,
    Tp,
};
use crate::admin::{fetch_committed, list_offsets};
use crate::error::{Error, Result};
use crate::protocol::aborted::AbortedTransactions;
use crate::protocol::records::{decode_batches, DecodedRecords};
use crate::retry::retry;
use crate::task::AbortOnDrop;

/// Where each assigned partition's fetching stands.
#[derive(Debug, Default)]
struct Positions {
    /// Next offset to fetch.
    fetch: HashMap<Tp, i64>,
    /// The base offset of the record batch holding the fetch position, when the position lies
    /// inside a batch already seen (a handler stopped mid-batch): the fetch starts there and
    /// skips what precedes the position, because some brokers (tansu 0.6) serve nothing of a
    /// batch fetched from its middle.
    batch_start: HashMap<Tp, i64>,
}

enum Exit {
    Stopped,
    Rejoin,
    /// The member left the group (a handler outlived rebalanceTimeout): join again.
    Left,
    Crash(Error, bool),
}

pub(super) async fn run(
    inner: Arc<Inner>,
    run: RunConfig,
    handler: BatchHandler,
    events: EventSink,
    joined: oneshot::Sender<()>,
) {
    let mut joined = Some(joined);
    let member_id = std::sync::Mutex::new(String::new());
    loop {
        if inner.stopping.load(Ordering::SeqCst) {
            break;
        }
        inner.rejoin.store(false, Ordering::SeqCst);
        let topics: Vec<String> = inner
            .subscriptions
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.topic.clone())
            .collect();
        let generation = match retry(&inner.config.retry, |_| {
            let (inner, topics, member_id, run) = (&inner, &topics, &member_id, &run);
            async move {
                let mut id = member_id.lock().unwrap().clone();
                let result = group::join_and_sync(
                    &inner.cluster,
                    &inner.config,
                    &mut id,
                    topics,
                    run.assigner.as_deref(),
                )
                .await;
                *member_id.lock().unwrap() = id;
                result
            }
        })
        .await
        {
            Ok(g) => g,
            Err(error) => {
                events(ConsumerEvent::Crash {
                    error,
                    handler_failed: false,
                });
                break;
            }
        };
        *inner.generation.lock().unwrap() = Some(generation.clone());
        inner.heartbeats.joined().await;
        let not_subscribed: Vec<String> = generation
            .assigned_topics
            .iter()
            .filter(|t| !topics.contains(t))
            .cloned()
            .collect();
        if !not_subscribed.is_empty() {
            events(ConsumerEvent::ReceivedUnsubscribedTopics {
                group_id: inner.config.group_id.clone(),
                generation_id: generation.generation_id,
                member_id: generation.member_id.clone(),
                assigned_topics: generation.assigned_topics.clone(),
                topics_subscribed: topics.clone(),
                topics_not_subscribed: not_subscribed,
            });
        }
        events(ConsumerEvent::GroupJoin {
            duration: generation.duration,
            group_id: inner.config.group_id.clone(),
            is_leader: generation.is_leader(),
            leader_id: generation.leader_id.clone(),
            group_protocol: generation.group_protocol.clone(),
            member_id: generation.member_id.clone(),
            member_assignment: generation.assignment.clone(),
        });
        let mut positions = match starting_positions(&inner, &generation).await {
            Ok(p) => p,
            Err(error) if is_rebalancing(&error) => continue,
            Err(error) => {
                leave_crashed(&inner).await;
                events(ConsumerEvent::Crash {
                    error,
                    handler_failed: false,
                });
                break;
            }
        };
        if let Some(joined) = joined.take() {
            let _ = joined.send(());
        }
        let heartbeats = AbortOnDrop(tokio::spawn(heartbeat::while_handling(
            inner.clone(),
            events.clone(),
        )));
        let exit = consume(&inner, &generation, &mut positions, &run, &handler, &events).await;
        drop(heartbeats);
        // Stopping commits nothing more, as in KafkaJS: each handled batch was committed as it
        // finished, and what a batch of markers alone resolved waits for a commit that is due.
        if run.auto_commit && matches!(exit, Exit::Rejoin | Exit::Crash(..)) {
            let _ = commit_resolved(&inner, &events).await;
        }
        match exit {
            Exit::Stopped => break,
            Exit::Rejoin | Exit::Left => {
                events(ConsumerEvent::Rebalancing {
                    group_id: inner.config.group_id.clone(),
                    member_id: generation.member_id.clone(),
                });
            }
            Exit::Crash(error, handler_failed) => {
                leave_crashed(&inner).await;
                events(ConsumerEvent::Crash {
                    error,
                    handler_failed,
                });
                break;
            }
        }
    }
}

/// Committed offsets, else earliest or latest as each topic's `fromBeginning` says. A new
/// generation starts from what the group holds, as KafkaJS's new OffsetManager does.
async fn starting_positions(inner: &Inner, generation: &Generation) -> Result<Positions> {
    let committed = fetch_committed(
        &inner.cluster,
        &inner.config.retry,
        &inner.config.group_id,
        &generation.assignment,
    )
    .await?;
    let mut positions = Positions::default();
    let mut offsets = Offsets::default();
    for (topic, partitions) in &generation.assignment {
        let from_beginning = inner
            .subscriptions
            .lock()
            .unwrap()
            .iter()
            .any(|s| &s.topic == topic && s.from_beginning);
        let mut missing = Vec::new();
        for &p in partitions {
            match committed
                .iter()
                .find(|(t, c)| t == topic && c.partition == p)
            {
                Some((_, c)) if c.offset >= 0 => {
                    positions.fetch.insert((topic.clone(), p), c.offset);
                    offsets.committed.insert((topic.clone(), p), c.offset);
                }
                _ => missing.push(p),
            }
        }
        if !missing.is_empty() {
            let timestamp = if from_beginning { -2 } else { -1 };
            for (p, offset) in list_offsets(
                &inner.cluster,
                &inner.config.retry,
                topic,
                &missing,
                timestamp,
            )
            .await?
            {
                positions.fetch.insert((topic.clone(), p), offset);
            }
        }
    }
    *inner.offsets.lock().unwrap() = offsets;
    Ok(positions)
}

/// A batch handed to the handler, with what is needed to move its partition on afterwards.
struct Dispatched {
    tp: Tp,
    last: i64,
    /// Where the next fetch starts once the whole batch is handled.
    batch_next: i64,
    /// Each record batch's first and last offset.
    spans: Vec<(i64, i64)>,
    /// Every record was filtered out: as KafkaJS, the batch's end is committed only when an
    /// autoCommitInterval or autoCommitThreshold says so, not as a handled batch's is.
    filtered: bool,
}

async fn consume(
    inner: &Arc<Inner>,
    generation: &Generation,
    positions: &mut Positions,
    run: &RunConfig,
    handler: &BatchHandler,
    events: &EventSink,
) -> Exit {
    let mut failures: u32 = 0;
    let mut backoff = inner.config.retry.initial_retry_time as f64;
    let concurrency = run.partitions_consumed_concurrently.max(1);
    let max_handler_time = Duration::from_millis(inner.config.rebalance_timeout.max(0) as u64);
    let mut prefetch: Option<Prefetch> = None;
    loop {
        if inner.stopping.load(Ordering::SeqCst) {
            return Exit::Stopped;
        }
        if inner.rejoin.load(Ordering::SeqCst) {
            return Exit::Rejoin;
        }
        for (topic, partition, offset) in inner.seeks.lock().unwrap().drain(..) {
            let tp = (topic, partition);
            if positions.fetch.contains_key(&tp) {
                positions.batch_start.remove(&tp);
                positions.fetch.insert(tp.clone(), offset);
                inner.offsets.lock().unwrap().resolved.insert(tp, offset);
            }
        }
        // The next fetch went out while the handler worked, from where each partition would be
        // if the handler finished its batch; it stands if that is where they are.
        let fetched = match prefetch.take() {
            Some(mut ahead) if ahead.positions.fetch == positions.fetch => {
                tokio::select! {
                    r = &mut ahead.handle => match r {
                        Ok((ahead_positions, r)) => {
                            *positions = ahead_positions;
                            r
                        }
                        Err(_) => continue,
                    },
                    _ = inner.wake.notified() => continue,
                }
            }
            _ => tokio::select! {
                r = fetch_all(inner, positions, inner.config.max_wait_time, events) => r,
                _ = inner.wake.notified() => continue,
            },
        };
        let mut batches = match fetched {
            Ok(b) => {
                if b.is_empty() {
                    heartbeat::at_point(inner, events).await;
                }
                prefetch = Prefetch::start(inner, positions, &b, events);
                b.into_iter()
            }
            Err(e) => {
                tokio::time::sleep(Duration::from_millis(inner.config.retry.initial_retry_time))
                    .await;
                if !e.retriable {
                    return Exit::Crash(e, false);
                }
                let _ = inner.cluster.refresh_metadata(&[], false).await;
                continue;
            }
        };
        // Up to `concurrency` partitions' batches at once; each fetch holds one per partition.
        let mut handling = FuturesUnordered::new();
        let mut failed = false;
        let mut non_retriable = false;
        let mut left = false;
        loop {
            while handling.len() < concurrency && !failed {
                if inner.stopping.load(Ordering::SeqCst) || inner.rejoin.load(Ordering::SeqCst) {
                    break;
                }
                let Some(mut batch) = batches.next() else {
                    break;
                };
                match dispatch(inner, positions, &mut batch) {
                    Some(dispatched) => {
                        let future = handler(batch);
                        let running = inner.heartbeats.handling();
                        handling.push(async move {
                            let outcome = future.await;
                            drop(running);
                            (dispatched, outcome)
                        });
                    }
                    // As KafkaJS after a batch with nothing to handle.
                    None => heartbeat::at_point(inner, events).await,
                }
            }
            if handling.is_empty() {
                break;
            }
            // A handler busy past rebalanceTimeout is Java's max.poll.interval.ms: leave the
            // group so the others take its partitions, and join again once it returns.
            let next = if left {
                handling.next().await
            } else {
                match tokio::time::timeout(max_handler_time, handling.next()).await {
                    Ok(next) => next,
                    Err(_) => {
                        left = true;
                        leave_stuck(inner, generation, events).await;
                        continue;
                    }
                }
            };
            let Some((dispatched, outcome)) = next else {
                break;
            };
            let handled = !dispatched.filtered;
            settle(inner, positions, dispatched, outcome);
            if left {
                continue;
            }
            if outcome.failed {
                failed = true;
                non_retriable |= outcome.non_retriable;
                continue;
            }
            if !failed {
                failures = 0;
                backoff = inner.config.retry.initial_retry_time as f64;
            }
            if run.auto_commit && !failed && handled {
                if let Err(e) = commit_resolved(inner, events).await {
                    if is_rebalancing(&e) {
                        inner.rejoin.store(true, Ordering::SeqCst);
                    }
                }
            }
            heartbeat::at_point(inner, events).await;
        }
        if left {
            return Exit::Left;
        }
        if failed {
            if run.auto_commit {
                let _ = commit_resolved(inner, events).await;
            }
            if non_retriable {
                let error = Error::non_retriable("The eachMessage/eachBatch handler failed");
                return Exit::Crash(error, true);
            }
            if failures >= inner.config.retry.retries {
                let error = Error::retries_exceeded(
                    Error::kafka("The eachMessage/eachBatch handler failed"),
                    failures,
                    backoff as u64,
                );
                return Exit::Crash(error, true);
            }
            failures += 1;
            tokio::time::sleep(Duration::from_millis(backoff as u64)).await;
            backoff = (backoff * inner.config.retry.multiplier)
                .min(inner.config.retry.max_retry_time as f64);
        }
    }
}

/// A fetch running ahead while the handler works: at most one, so a consumer holds at most two
/// fetch responses. Dropping it cancels the fetch.
struct Prefetch {
    /// Where it fetched from: each partition just past the batches being handled.
    positions: Positions,
    handle: tokio::task::JoinHandle<(Positions, Result<Vec<FetchedBatch>>)>,
}

impl Prefetch {
    fn start(
        inner: &Arc<Inner>,
        positions: &Positions,
        batches: &[FetchedBatch],
        events: &EventSink,
    ) -> Option<Prefetch> {
        // Nothing for a handler (an idle partition's empty answer): the next fetch is the one
        // that waits for records, not one sent at once and answered empty again.
        let nothing_to_handle = batches
            .iter()
            .all(|b| b.records.records.is_empty() && b.records.last_offset.is_none());
        if nothing_to_handle || !positions.batch_start.is_empty() {
            return None;
        }
        let mut ahead = Positions {
            fetch: positions.fetch.clone(),
            batch_start: HashMap::new(),
        };
        for batch in batches {
            let next = match batch.records.records.last() {
                Some(last) => Some(
                    batch
                        .records
                        .next_offset
                        .unwrap_or(last.offset + 1)
                        .max(last.offset + 1),
                ),
                None => batch.records.next_offset,
            };
            if let Some(next) = next {
                ahead
                    .fetch
                    .insert((batch.topic.clone(), batch.partition), next);
            }
        }
        // Caught up, the broker would hold the fetch for maxWaitTimeInMs, and with it every
        // request behind it on the connection: the refetch after a handler failure, a seek, or a
        // restarted member's first fetch. So it asks only for what is there; the fetch after the
        // handler waits for more.
        let caught_up = batches.iter().all(|b| {
            let end = if inner.config.read_uncommitted || b.last_stable_offset < 0 {
                b.high_watermark
            } else {
                b.last_stable_offset
            };
            ahead
                .fetch
                .get(&(b.topic.clone(), b.partition))
                .is_some_and(|next| *next >= end)
        });
        let max_wait = if caught_up {
            0
        } else {
            inner.config.max_wait_time
        };
        let (inner, events) = (inner.clone(), events.clone());
        let mut fetching = Positions {
            fetch: ahead.fetch.clone(),
            batch_start: HashMap::new(),
        };
        let handle = tokio::spawn(async move {
            let result = fetch_all(&inner, &mut fetching, max_wait, &events).await;
            (fetching, result)
        });
        Some(Prefetch {
            positions: ahead,
            handle,
        })
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        self.handle.abort();
    }
}

/// Readies a fetched batch for the handler, or steps over it: paused, made stale by a seek, or
/// holding no message.
fn dispatch(
    inner: &Inner,
    positions: &mut Positions,
    batch: &mut FetchedBatch,
) -> Option<Dispatched> {
    let tp = (batch.topic.clone(), batch.partition);
    if inner.pauses.lock().unwrap().is_paused(&tp.0, tp.1) {
        return None;
    }
    // A seek since this fetch makes the batch stale; the seek applies before the next.
    if inner.seek_pending(&tp.0, tp.1) {
        return None;
    }
    let last = match (batch.records.records.last(), batch.records.last_offset) {
        (Some(record), _) => record.offset,
        // Every record filtered out (transaction markers, aborted records): KafkaJS still
        // reports the batch (START_BATCH_PROCESS, batchSize 0) and resolves its last offset.
        (None, Some(last)) => last,
        (None, None) => {
            // An empty range: step over it.
            if let Some(next) = batch.records.next_offset {
                positions.fetch.insert(tp.clone(), next);
                inner.offsets.lock().unwrap().resolved.insert(tp, next);
            }
            return None;
        }
    };
    let spans = batch
        .records
        .batches
        .iter()
        .map(|b| (b.base_offset, b.base_offset + b.last_offset_delta as i64))
        .collect();
    {
        let offsets = inner.offsets.lock().unwrap();
        batch.uncommitted = offsets.uncommitted_count();
        batch.since_commit = offsets.last_commit.elapsed();
    }
    Some(Dispatched {
        tp,
        last,
        batch_next: batch.records.next_offset.unwrap_or(last + 1).max(last + 1),
        spans,
        filtered: batch.records.records.is_empty(),
    })
}

/// Moves a partition on by how far the handler got through its batch.
fn settle(inner: &Inner, positions: &mut Positions, dispatched: Dispatched, outcome: BatchOutcome) {
    let Dispatched {
        tp,
        last,
        batch_next,
        spans,
        ..
    } = dispatched;
    let Some(next) = outcome.next_offset else {
        return;
    };
    inner
        .offsets
        .lock()
        .unwrap()
        .resolved
        .insert(tp.clone(), next);
    if next > last {
        positions.fetch.insert(tp.clone(), batch_next);
        positions.batch_start.remove(&tp);
    } else {
        positions.fetch.insert(tp.clone(), next);
        match spans
            .iter()
            .find(|(base, end)| *base <= next && next <= *end)
        {
            Some(&(base, _)) => positions.batch_start.insert(tp, base),
            None => positions.batch_start.remove(&tp),
        };
    }
}

/// A crashed member leaves the group before the crash is reported, as KafkaJS's crash handler
/// disconnects: a restart then joins at once, where a member left behind would hold the rebalance
/// until its session expired.
pub(super) async fn leave_crashed(inner: &Inner) {
    let generation = inner.generation.lock().unwrap().take();
    if let Some(generation) = generation {
        let _ = group::leave(&inner.cluster, &inner.config, &generation).await;
    }
}

async fn leave_stuck(inner: &Inner, generation: &Generation, events: &EventSink) {
    inner.rejoin.store(true, Ordering::SeqCst);
    events(ConsumerEvent::Warn {
        message: format!(
            "A handler ran past rebalanceTimeout ({} ms): member {} leaves group {} so the others take its partitions, and joins again when the handler returns",
            inner.config.rebalance_timeout, generation.member_id, inner.config.group_id
        ),
    });
    let _ = group::leave(&inner.cluster, &inner.config, generation).await;
}

/// One Fetch per broker read from (each partition's leader or preferred read replica),
/// concurrently, each reported as FETCH_START and FETCH; the batches that came back, partition
/// by partition.
async fn fetch_all(
    inner: &Inner,
    positions: &mut Positions,
    max_wait: i32,
    events: &EventSink,
) -> Result<Vec<FetchedBatch>> {
    let metadata = inner.cluster.metadata();
    // Per partition: the position (records before it are skipped) and where the fetch starts.
    let mut by_node: HashMap<i32, Vec<(Tp, i64, i64)>> = HashMap::new();
    let mut unled = Vec::new();
    {
        let mut replicas = inner.read_replicas.lock().unwrap();
        let pauses = inner.pauses.lock().unwrap();
        for (tp, &offset) in &positions.fetch {
            if pauses.is_paused(&tp.0, tp.1) {
                continue;
            }
            let from = match positions.batch_start.get(tp) {
                Some(&base) if base <= offset => base,
                _ => offset,
            };
            match replicas.node_for(&metadata, tp) {
                Ok(node) => by_node
                    .entry(node)
                    .or_default()
                    .push((tp.clone(), offset, from)),
                Err(_) => unled.push(tp.0.clone()),
            }
        }
    }
    // One refresh for every partition without a leader (it asks for all targeted topics anyway).
    if !unled.is_empty() {
        unled.sort();
        unled.dedup();
        inner.cluster.refresh_metadata(&unled, false).await?;
    }
    if by_node.is_empty() {
        // Nothing to fetch (all paused, or no assignment): wait as a fetch would, reported as
        // KafkaJS's fetchers report it, one per broker, each asking for nothing.
        let mut nodes: Vec<i32> = metadata.brokers.keys().copied().collect();
        nodes.sort_unstable();
        let started = std::time::Instant::now();
        for &node_id in &nodes {
            events(ConsumerEvent::FetchStart { node_id });
        }
        tokio::time::sleep(Duration::from_millis(
            inner.config.max_wait_time.max(100) as u64
        ))
        .await;
        for node_id in nodes {
            events(ConsumerEvent::Fetch {
                node_id,
                number_of_batches: 0,
                duration: started.elapsed(),
            });
        }
        return Ok(Vec::new());
    }
    let requests = by_node.into_iter().map(|(node, parts)| async move {
        let started = std::time::Instant::now();
        events(ConsumerEvent::FetchStart { node_id: node });
        let response = fetch_from(inner, node, &parts, max_wait).await;
        if response.is_err() {
            // A preferred replica that cannot be read from: the next fetch goes to the leader.
            let mut replicas = inner.read_replicas.lock().unwrap();
            for (tp, _, _) in &parts {
                replicas.forget(tp);
            }
        }
        Ok::<_, Error>((node, started.elapsed(), parts, response?))
    });
    let mut batches = Vec::new();
    let mut stale = Vec::new();
    let mut first_error = None;
    let max_age = inner.cluster.config().metadata_max_age;
    for result in futures::future::join_all(requests).await {
        let (node, duration, parts, response) = match result {
            Ok(r) => r,
            Err(e) => {
                first_error.get_or_insert(e);
                continue;
            }
        };
        let mut number_of_batches = 0;
        for topic in response.responses {
            let name = topic.topic.as_str().to_string();
            for p in topic.partitions {
                let tp = (name.clone(), p.partition_index);
                let Some(&(_, offset, _)) = parts.iter().find(|(t, _, _)| *t == tp) else {
                    continue;
                };
                inner.read_replicas.lock().unwrap().remember(
                    &tp,
                    *p.preferred_read_replica,
                    max_age,
                );
                match p.error_code {
                    0 => {}
                    1 => {
                        // OFFSET_OUT_OF_RANGE from a follower, which may lag its leader: the
                        // next fetch asks the leader, before any reset.
                        inner.read_replicas.lock().unwrap().forget(&tp);
                        if metadata
                            .leader(&tp.0, tp.1)
                            .is_ok_and(|leader| leader != node)
                        {
                            continue;
                        }
                        // From the leader: restart where fromBeginning points.
                        let from_beginning = inner
                            .subscriptions
                            .lock()
                            .unwrap()
                            .iter()
                            .any(|s| s.topic == name && s.from_beginning);
                        let ts = if from_beginning { -2 } else { -1 };
                        if let Ok(o) =
                            list_offsets(&inner.cluster, &inner.config.retry, &name, &[tp.1], ts)
                                .await
                        {
                            if let Some(&(_, reset)) = o.first() {
                                positions.fetch.insert(tp, reset);
                            }
                        }
                        continue;
                    }
                    _ => {
                        inner.read_replicas.lock().unwrap().forget(&tp);
                        stale.push(name.clone());
                        continue;
                    }
                }
                let mut records = DecodedRecords::default();
                if let Some(raw) = p.records {
                    let aborted = p.aborted_transactions.unwrap_or_default();
                    let mut aborted = AbortedTransactions::new(
                        aborted
                            .iter()
                            .map(|t| (*t.producer_id, t.first_offset))
                            .collect(),
                    );
                    decode_batches(raw, offset, &mut aborted, &mut records)
                        .map_err(|e| e.at(&name, tp.1))?;
                }
                batches.push(FetchedBatch {
                    topic: name.clone(),
                    partition: p.partition_index,
                    high_watermark: p.high_watermark,
                    last_stable_offset: p.last_stable_offset,
                    log_start_offset: p.log_start_offset,
                    records,
                    uncommitted: 0,
                    since_commit: Duration::ZERO,
                });
                number_of_batches += 1;
            }
        }
        events(ConsumerEvent::Fetch {
            node_id: node,
            number_of_batches,
            duration,
        });
    }
    if !stale.is_empty() {
        inner.cluster.refresh_metadata(&stale, false).await?;
    }
    match first_error {
        Some(e) if batches.is_empty() => Err(e),
        Some(_) => {
            // A leader that could not be reached (killed, say) stays in the cached metadata
            // until a refresh names its successor; the other leaders' data must not hide that,
            // or its partitions would wait for a fetch round in which nothing else arrives.
            // One round trip, no retries: failing, it is tried again next round, and the
            // batches stand either way.
            let mut topics: Vec<String> = positions.fetch.keys().map(|tp| tp.0.clone()).collect();
            topics.sort_unstable();
            topics.dedup();
            let _ = inner.cluster.fetch_metadata(Some(&topics), false).await;
            Ok(batches)
        }
        None => Ok(batches),
    }
}

/// One Fetch to `node` for `parts` (partition, position, where the fetch starts), held by the
/// broker up to `max_wait` ms for `min_bytes`.
async fn fetch_from(
    inner: &Inner,
    node: i32,
    parts: &[(Tp, i64, i64)],
    max_wait: i32,
) -> Result<kafka_protocol::messages::FetchResponse> {
    let config = &inner.config;
    let conn = inner.cluster.broker(node).await?;
    let mut topics: Vec<FetchTopic> = Vec::new();
    for ((topic, partition), _, from) in parts {
        let p = FetchPartition::default()
            .with_partition(*partition)
            .with_fetch_offset(*from)
            .with_current_leader_epoch(-1)
            .with_log_start_offset(-1)
            .with_partition_max_bytes(config.max_bytes_per_partition);
        match topics.iter_mut().find(|t| t.topic.as_str() == topic) {
            Some(t) => t.partitions.push(p),
            None => topics.push(
                FetchTopic::default()
                    .with_topic(StrBytes::from_string(topic.clone()).into())
                    .with_partitions(vec![p]),
            ),
        }
    }
    let request = FetchRequest::default()
        .with_replica_id((-1).into())
        .with_max_wait_ms(max_wait)
        .with_min_bytes(config.min_bytes)
        .with_max_bytes(config.max_bytes)
        .with_isolation_level(if config.read_uncommitted { 0 } else { 1 })
        .with_session_id(0)
        .with_session_epoch(-1)
        .with_topics(topics)
        .with_rack_id(StrBytes::from_string(config.rack_id.clone()));
    let timeout =
        inner.cluster.config().request_timeout + Duration::from_millis(max_wait.max(0) as u64);
    let response = conn.send_with_timeout(&request, timeout).await?;
    if response.error_code != 0 {
        return Err(Error::protocol(response.error_code));
    }
    Ok(response)
}

/// Commits everything resolved and not yet committed, reported to `events`.
async fn commit_resolved(inner: &Inner, events: &EventSink) -> Result<()> {
    let offsets = inner.offsets.lock().unwrap().uncommitted();
    if let Some(event) = commit(inner, offsets).await? {
        events(event);
    }
    Ok(())
}

/// Commits `offsets` (topic, partition, next offset) for the current generation; returns
/// KafkaJS's COMMIT_OFFSETS for them, for the caller to deliver in order with its own work.
pub(super) async fn commit(
    inner: &Inner,
    offsets: Vec<(String, i32, i64)>,
) -> Result<Option<ConsumerEvent>> {
    let generation = inner.generation.lock().unwrap().clone();
    let generation = generation.ok_or_else(|| {
        Error::kafka("Cannot commit offsets: the consumer is not a member of the group")
    })?;
    if offsets.is_empty() {
        inner.offsets.lock().unwrap().last_commit = std::time::Instant::now();
        return Ok(None);
    }
    group::commit(&inner.cluster, &inner.config, &generation, &offsets).await?;
    let mut state = inner.offsets.lock().unwrap();
    for (t, p, o) in &offsets {
        state.committed.insert((t.clone(), *p), *o);
    }
    state.last_commit = std::time::Instant::now();
    Ok(Some(ConsumerEvent::CommitOffsets {
        group_id: inner.config.group_id.clone(),
        member_id: generation.member_id.clone(),
        generation_id: generation.generation_id,
        offsets,
    }))
}
