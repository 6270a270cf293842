//! Positions and commits: where each assigned partition is fetched from, moved on as the
//! handler gets through its batches (or by a seek), and the offsets resolved and committed.

use std::collections::HashMap;
use std::time::Instant;

use super::group::{self, Generation};
use super::{BatchOutcome, ConsumerEvent, EventSink, FetchedBatch, Inner, Tp};
use crate::admin::{fetch_committed, list_offsets};
use crate::error::{Error, Result};

/// The offsets the handler finished (next to consume) and those the group holds.
#[derive(Debug)]
pub(super) struct Offsets {
    pub(super) resolved: HashMap<Tp, i64>,
    pub(super) committed: HashMap<Tp, i64>,
    pub(super) last_commit: Instant,
}

impl Default for Offsets {
    fn default() -> Self {
        Offsets {
            resolved: HashMap::new(),
            committed: HashMap::new(),
            last_commit: Instant::now(),
        }
    }
}

impl Offsets {
    pub(super) fn uncommitted(&self) -> Vec<(String, i32, i64)> {
        self.resolved
            .iter()
            .filter(|(tp, o)| **o >= 0 && self.committed.get(*tp) != Some(*o))
            .map(|((t, p), o)| (t.clone(), *p, *o))
            .collect()
    }

    /// KafkaJS's countResolvedOffsets: messages resolved past the committed position.
    pub(super) fn uncommitted_count(&self) -> i64 {
        self.resolved
            .iter()
            .map(|(tp, o)| {
                o - self
                    .committed
                    .get(tp)
                    .copied()
                    .filter(|c| *c >= 0)
                    .unwrap_or(0)
            })
            .sum()
    }
}

/// Where each assigned partition's fetching stands.
#[derive(Debug, Default)]
pub(super) struct Positions {
    /// Next offset to fetch.
    pub(super) fetch: HashMap<Tp, i64>,
    /// The base offset of the record batch holding the fetch position, when the position lies
    /// inside a batch already seen (a handler stopped mid-batch): the fetch starts there and
    /// skips what precedes the position, because some brokers (tansu 0.6) serve nothing of a
    /// batch fetched from its middle.
    pub(super) batch_start: HashMap<Tp, i64>,
}

/// Committed offsets, else earliest or latest as each topic's `fromBeginning` says. A new
/// generation starts from what the group holds, as KafkaJS's new OffsetManager does.
pub(super) async fn starting_positions(
    inner: &Inner,
    generation: &Generation,
) -> Result<Positions> {
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
pub(super) struct Dispatched {
    tp: Tp,
    last: i64,
    /// Where the next fetch starts once the whole batch is handled.
    batch_next: i64,
    /// Each record batch's first and last offset.
    spans: Vec<(i64, i64)>,
    /// Every record was filtered out: as KafkaJS, the batch's end is committed only when an
    /// autoCommitInterval or autoCommitThreshold says so, not as a handled batch's is.
    pub(super) filtered: bool,
}

/// Readies a fetched batch for the handler, or steps over it: paused, made stale by a seek, or
/// holding no message.
pub(super) fn dispatch(
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
pub(super) fn settle(
    inner: &Inner,
    positions: &mut Positions,
    dispatched: Dispatched,
    outcome: BatchOutcome,
) {
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

/// Commits everything resolved and not yet committed, reported to `events`.
pub(super) async fn commit_resolved(inner: &Inner, events: &EventSink) -> Result<()> {
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
