//! The runner: one generation at a time, it resolves starting offsets, fetches from every
//! leader, hands batches to the handler, tracks and commits positions.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::FetchRequest;
use kafka_protocol::protocol::StrBytes;
use tokio::sync::oneshot;

use super::group::{self, is_rebalancing, Generation};
use super::{BatchHandler, ConsumerEvent, EventSink, FetchedBatch, Inner, RunConfig};
use crate::admin::{fetch_committed, list_offsets};
use crate::error::{Error, Result};
use crate::protocol::records::{decode_batches, DecodedRecords};
use crate::retry::retry;

type Tp = (String, i32);

/// Where each assigned partition stands.
#[derive(Debug, Default)]
struct Positions {
    /// Next offset to fetch.
    fetch: HashMap<Tp, i64>,
    /// The base offset of the record batch holding the fetch position, when the position lies
    /// inside a batch already seen (a handler stopped mid-batch): the fetch starts there and
    /// skips what precedes the position, because some brokers (tansu 0.6) serve nothing of a
    /// batch fetched from its middle.
    batch_start: HashMap<Tp, i64>,
    /// Next offset to commit: after the last message the handler finished.
    resolved: HashMap<Tp, i64>,
    committed: HashMap<Tp, i64>,
}

enum Exit {
    Stopped,
    Rejoin,
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
            let (inner, topics, member_id) = (&inner, &topics, &member_id);
            async move {
                let mut id = member_id.lock().unwrap().clone();
                let result =
                    group::join_and_sync(&inner.cluster, &inner.config, &mut id, topics).await;
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
        let heartbeats = tokio::spawn(heartbeat_loop(
            inner.clone(),
            generation.clone(),
            events.clone(),
        ));
        let exit = consume(&inner, &generation, &mut positions, run, &handler, &events).await;
        heartbeats.abort();
        if run.auto_commit {
            let _ = commit_resolved(&inner, &generation, &mut positions, &events).await;
        }
        match exit {
            Exit::Stopped => break,
            Exit::Rejoin => {
                events(ConsumerEvent::Rebalancing {
                    group_id: inner.config.group_id.clone(),
                    member_id: generation.member_id.clone(),
                });
            }
            Exit::Crash(error, handler_failed) => {
                events(ConsumerEvent::Crash {
                    error,
                    handler_failed,
                });
                break;
            }
        }
    }
}

/// Committed offsets, else earliest or latest as each topic's `fromBeginning` says.
async fn starting_positions(inner: &Inner, generation: &Generation) -> Result<Positions> {
    let committed = fetch_committed(
        &inner.cluster,
        &inner.config.group_id,
        &generation.assignment,
    )
    .await?;
    let mut positions = Positions::default();
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
                    positions.committed.insert((topic.clone(), p), c.offset);
                }
                _ => missing.push(p),
            }
        }
        if !missing.is_empty() {
            let timestamp = if from_beginning { -2 } else { -1 };
            for (p, offset) in list_offsets(&inner.cluster, topic, &missing, timestamp).await? {
                positions.fetch.insert((topic.clone(), p), offset);
            }
        }
    }
    Ok(positions)
}

async fn heartbeat_loop(inner: Arc<Inner>, generation: Generation, events: EventSink) {
    loop {
        tokio::time::sleep(inner.config.heartbeat_interval).await;
        match group::heartbeat(&inner.config, &generation).await {
            Ok(()) => events(ConsumerEvent::Heartbeat {
                group_id: inner.config.group_id.clone(),
                member_id: generation.member_id.clone(),
                generation_id: generation.generation_id,
            }),
            // A lost coordinator connection also ends the generation: join again to find it.
            Err(e)
                if is_rebalancing(&e) || e.class == crate::error::ErrorClass::ConnectionClosed =>
            {
                inner.rejoin.store(true, Ordering::SeqCst);
                inner.wake.notify_one();
                return;
            }
            Err(_) => {}
        }
    }
}

async fn consume(
    inner: &Arc<Inner>,
    generation: &Generation,
    positions: &mut Positions,
    run: RunConfig,
    handler: &BatchHandler,
    events: &EventSink,
) -> Exit {
    let mut failures: u32 = 0;
    let mut backoff = inner.config.retry.initial_retry_time as f64;
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
                positions.resolved.insert(tp, offset);
            }
        }
        let fetched = tokio::select! {
            r = fetch_all(inner, positions) => r,
            _ = inner.wake.notified() => continue,
        };
        let batches = match fetched {
            Ok(b) => b,
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
        for batch in batches {
            if inner.stopping.load(Ordering::SeqCst) || inner.rejoin.load(Ordering::SeqCst) {
                break;
            }
            let tp = (batch.topic.clone(), batch.partition);
            if inner.paused.lock().unwrap().contains(&tp) {
                continue;
            }
            // A seek since this fetch makes the batch stale; the seek applies before the next.
            let seeked = inner
                .seeks
                .lock()
                .unwrap()
                .iter()
                .any(|(t, p, _)| *t == tp.0 && *p == tp.1);
            if seeked {
                continue;
            }
            let Some(last) = batch.records.records.last().map(|r| r.offset) else {
                // Only control records or an empty range: step over it.
                if let Some(next) = batch.records.next_offset {
                    positions.fetch.insert(tp.clone(), next);
                    positions.resolved.insert(tp, next);
                }
                continue;
            };
            let batch_next = batch.records.next_offset.unwrap_or(last + 1).max(last + 1);
            let spans: Vec<(i64, i64)> = batch
                .records
                .batches
                .iter()
                .map(|b| (b.base_offset, b.base_offset + b.last_offset_delta as i64))
                .collect();
            let outcome = handler(batch).await;
            if let Some(next) = outcome.next_offset {
                positions.resolved.insert(tp.clone(), next);
                if next > last {
                    positions.fetch.insert(tp.clone(), batch_next);
                    positions.batch_start.remove(&tp);
                } else {
                    positions.fetch.insert(tp.clone(), next);
                    match spans
                        .iter()
                        .find(|(base, end)| *base <= next && next <= *end)
                    {
                        Some(&(base, _)) => positions.batch_start.insert(tp.clone(), base),
                        None => positions.batch_start.remove(&tp),
                    };
                }
            }
            if outcome.failed {
                if run.auto_commit {
                    let _ = commit_resolved(inner, generation, positions, events).await;
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
                break;
            }
            failures = 0;
            backoff = inner.config.retry.initial_retry_time as f64;
            if run.auto_commit {
                if let Err(e) = commit_resolved(inner, generation, positions, events).await {
                    if is_rebalancing(&e) {
                        return Exit::Rejoin;
                    }
                }
            }
        }
    }
}

/// One Fetch per leader, concurrently; the batches that came back, partition by partition.
async fn fetch_all(inner: &Inner, positions: &mut Positions) -> Result<Vec<FetchedBatch>> {
    let metadata = inner.cluster.metadata();
    let paused = inner.paused.lock().unwrap().clone();
    // Per partition: the position (records before it are skipped) and where the fetch starts.
    let mut by_leader: HashMap<i32, Vec<(Tp, i64, i64)>> = HashMap::new();
    for (tp, &offset) in &positions.fetch {
        if paused.contains(tp) {
            continue;
        }
        let from = match positions.batch_start.get(tp) {
            Some(&base) if base <= offset => base,
            _ => offset,
        };
        match metadata.leader(&tp.0, tp.1) {
            Ok(leader) => by_leader
                .entry(leader)
                .or_default()
                .push((tp.clone(), offset, from)),
            Err(_) => {
                inner
                    .cluster
                    .refresh_metadata(std::slice::from_ref(&tp.0), false)
                    .await?;
            }
        }
    }
    if by_leader.is_empty() {
        // Nothing to fetch (all paused, or no assignment): wait as a fetch would.
        tokio::time::sleep(Duration::from_millis(
            inner.config.max_wait_time.max(100) as u64
        ))
        .await;
        return Ok(Vec::new());
    }
    let config = &inner.config;
    let requests = by_leader.into_iter().map(|(leader, parts)| async move {
        let conn = inner.cluster.broker(leader).await?;
        let mut topics: Vec<FetchTopic> = Vec::new();
        for ((topic, partition), _, from) in &parts {
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
            .with_max_wait_ms(config.max_wait_time)
            .with_min_bytes(config.min_bytes)
            .with_max_bytes(config.max_bytes)
            .with_isolation_level(if config.read_uncommitted { 0 } else { 1 })
            .with_session_id(0)
            .with_session_epoch(-1)
            .with_topics(topics)
            .with_rack_id(StrBytes::from_string(config.rack_id.clone()));
        let timeout = inner.cluster.config().request_timeout
            + Duration::from_millis(config.max_wait_time.max(0) as u64);
        let response = conn.send_with_timeout(&request, timeout).await?;
        if response.error_code != 0 {
            return Err(Error::protocol(response.error_code));
        }
        Ok::<_, Error>((parts, response))
    });
    let mut batches = Vec::new();
    let mut stale = Vec::new();
    let mut first_error = None;
    for result in futures::future::join_all(requests).await {
        let (parts, response) = match result {
            Ok(r) => r,
            Err(e) => {
                first_error.get_or_insert(e);
                continue;
            }
        };
        for topic in response.responses {
            let name = topic.topic.as_str().to_string();
            for p in topic.partitions {
                let tp = (name.clone(), p.partition_index);
                let Some(&(_, offset, _)) = parts.iter().find(|(t, _, _)| *t == tp) else {
                    continue;
                };
                match p.error_code {
                    0 => {}
                    1 => {
                        // OFFSET_OUT_OF_RANGE: restart where fromBeginning points.
                        let from_beginning = inner
                            .subscriptions
                            .lock()
                            .unwrap()
                            .iter()
                            .any(|s| s.topic == name && s.from_beginning);
                        let ts = if from_beginning { -2 } else { -1 };
                        if let Ok(o) = list_offsets(&inner.cluster, &name, &[tp.1], ts).await {
                            if let Some(&(_, reset)) = o.first() {
                                positions.fetch.insert(tp, reset);
                            }
                        }
                        continue;
                    }
                    _ => {
                        stale.push(name.clone());
                        continue;
                    }
                }
                let mut records = DecodedRecords::default();
                if let Some(raw) = p.records {
                    decode_batches(raw, offset, &mut records).map_err(|e| e.at(&name, tp.1))?;
                }
                batches.push(FetchedBatch {
                    topic: name.clone(),
                    partition: p.partition_index,
                    high_watermark: p.high_watermark,
                    last_stable_offset: p.last_stable_offset,
                    log_start_offset: p.log_start_offset,
                    records,
                });
            }
        }
    }
    if !stale.is_empty() {
        inner.cluster.refresh_metadata(&stale, false).await?;
    }
    match first_error {
        Some(e) if batches.is_empty() => Err(e),
        _ => Ok(batches),
    }
}

async fn commit_resolved(
    inner: &Inner,
    generation: &Generation,
    positions: &mut Positions,
    events: &EventSink,
) -> Result<()> {
    let offsets: Vec<(String, i32, i64)> = positions
        .resolved
        .iter()
        .filter(|(tp, o)| positions.committed.get(*tp) != Some(*o))
        .map(|((t, p), o)| (t.clone(), *p, *o))
        .collect();
    if offsets.is_empty() {
        return Ok(());
    }
    group::commit(&inner.config, generation, &offsets).await?;
    for (t, p, o) in &offsets {
        positions.committed.insert((t.clone(), *p), *o);
    }
    events(ConsumerEvent::CommitOffsets {
        group_id: inner.config.group_id.clone(),
        member_id: generation.member_id.clone(),
        generation_id: generation.generation_id,
        offsets,
    });
    Ok(())
}
