//! Fetching: one Fetch per broker read from, concurrently, decoded into a batch per partition
//! (aborted transactions filtered out for read_committed); a partition whose position is out of
//! range restarts where `fromBeginning` points. One fetch may run ahead while the handler works.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use kafka_protocol::messages::fetch_request::{FetchPartition, FetchTopic};
use kafka_protocol::messages::FetchRequest;
use kafka_protocol::protocol::StrBytes;

use super::positions::Positions;
use super::{ConsumerEvent, EventSink, FetchedBatch, Inner, Tp};
use crate::admin::list_offsets;
use crate::error::{Error, Result};
use crate::protocol::aborted::AbortedTransactions;
use crate::protocol::by_topic::by_topic;
use crate::protocol::records::{decode_batches, DecodedRecords};

/// A fetch running ahead while the handler works: at most one, so a consumer holds at most two
/// fetch responses. Dropping it cancels the fetch.
pub(super) struct Prefetch {
    /// Where it fetched from: each partition just past the batches being handled.
    pub(super) positions: Positions,
    pub(super) handle: tokio::task::JoinHandle<(Positions, Result<Vec<FetchedBatch>>)>,
}

impl Prefetch {
    pub(super) fn start(
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

/// One Fetch per broker read from (each partition's leader or preferred read replica),
/// concurrently, each reported as FETCH_START and FETCH; the batches that came back, partition
/// by partition.
pub(super) async fn fetch_all(
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
    let partitions = parts.iter().map(|((topic, partition), _, from)| {
        let p = FetchPartition::default()
            .with_partition(*partition)
            .with_fetch_offset(*from)
            .with_current_leader_epoch(-1)
            .with_log_start_offset(-1)
            .with_partition_max_bytes(config.max_bytes_per_partition);
        (topic, p)
    });
    let topics = by_topic(partitions)
        .into_iter()
        .map(|(topic, partitions)| {
            FetchTopic::default()
                .with_topic(StrBytes::from_string(topic.clone()).into())
                .with_partitions(partitions)
        })
        .collect();
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
