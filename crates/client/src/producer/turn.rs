//! The sends of one turn (they crossed from JavaScript together) handled as one unit. Every
//! message is partitioned in one pass into a group per topic-partition and send options; each
//! group goes to the accumulator as one part (one leader lookup, one reply), and each send
//! reads its offsets back from its groups. With a hundred single-message sends per turn,
//! queueing every send on its own was most of the engine's work. Only the sends that a failure
//! touches go on, each alone, through the retry loop.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::accumulator::{record_bytes, PartOutcome, MAX_BATCH_BYTES};
use super::{
    distinct, summarize, Partitioner, Producer, RecordMetadata, Round, SendOptions, TopicMessages,
    TopicPartition,
};
use crate::cluster::Metadata;
use crate::error::{Error, Result};
use crate::network::Connection;
use crate::protocol::records::{Compression, Record};

/// Records for one topic-partition with one set of send options, from any of the turn's sends.
struct Group {
    tp: TopicPartition,
    options: SendOptions,
    records: Vec<Record>,
    /// Where each run of at most [`MAX_BATCH_BYTES`] starts in `records`: one part each.
    chunk_starts: Vec<usize>,
    chunk_bytes: usize,
}

impl Group {
    fn push(&mut self, record: Record) {
        let size = record_bytes(&record);
        if !self.records.is_empty() && self.chunk_bytes + size > MAX_BATCH_BYTES {
            self.chunk_starts.push(self.records.len());
            self.chunk_bytes = 0;
        }
        self.chunk_bytes += size;
        self.records.push(record);
    }
}

/// A send's records in one group: `len` of them from `start`, contiguous because a send is
/// grouped whole before the next.
struct Span {
    group: usize,
    start: usize,
    len: usize,
}

/// One part handed to the accumulator: `len` records of its group from `start`.
struct Chunk {
    group: usize,
    start: usize,
    len: usize,
}

/// Where a chunk stands before its outcome is known.
enum Wait {
    Queued(tokio::sync::oneshot::Receiver<PartOutcome>),
    /// Not queued (the buffer was full): it goes through the accumulator on its own.
    Lone(Arc<Connection>, i32, Vec<Record>),
    Failed(Vec<Record>, Error),
}

type GroupKey = (usize, i32, i16, i32, Compression);

/// The turn's messages, grouped.
#[derive(Default)]
struct Turn {
    topics: Vec<String>,
    groups: Vec<Group>,
    index: HashMap<GroupKey, usize>,
    /// The group the previous message went to.
    last: Option<(GroupKey, usize)>,
    spans: Vec<Span>,
}

impl Turn {
    /// Groups one send's messages; the range of its spans, or why it cannot be sent (then none
    /// of its messages is grouped).
    fn add(
        &mut self,
        batch: Vec<TopicMessages>,
        options: SendOptions,
        metadata: &Metadata,
        partitioner: &Partitioner,
        now: i64,
    ) -> Result<Range<usize>> {
        for tm in &batch {
            metadata.loaded_topic(&tm.topic)?;
        }
        let first_span = self.spans.len();
        for tm in batch {
            let topic = metadata.topic(&tm.topic).expect("checked above");
            let t = match self.topics.iter().position(|t| *t == tm.topic) {
                Some(t) => t,
                None => {
                    self.topics.push(tm.topic.clone());
                    self.topics.len() - 1
                }
            };
            for m in tm.messages {
                let partition = match m.partition {
                    Some(p) => p,
                    None => partitioner.partition(topic, m.key.as_deref()),
                };
                let key = (
                    t,
                    partition,
                    options.acks,
                    options.timeout_ms,
                    options.compression,
                );
                // Runs of messages for one group are the common case: no hashing for them.
                let g = match self.last {
                    Some((last_key, g)) if last_key == key => g,
                    _ => {
                        let groups = &mut self.groups;
                        let g = *self.index.entry(key).or_insert_with(|| {
                            groups.push(Group {
                                tp: (tm.topic.clone(), partition),
                                options,
                                records: Vec::new(),
                                chunk_starts: vec![0],
                                chunk_bytes: 0,
                            });
                            groups.len() - 1
                        });
                        self.last = Some((key, g));
                        g
                    }
                };
                let group = &mut self.groups[g];
                match self.spans[first_span..].iter_mut().find(|s| s.group == g) {
                    Some(span) => span.len += 1,
                    None => self.spans.push(Span {
                        group: g,
                        start: group.records.len(),
                        len: 1,
                    }),
                }
                group.push(m.into_record(now));
            }
        }
        Ok(first_span..self.spans.len())
    }
}

/// What became of each chunk, for reading back a send's spans.
struct Written<'a> {
    chunks: &'a [Chunk],
    outcomes: &'a [PartOutcome],
    /// Each group's chunks, as a range of `chunks`.
    group_chunks: Vec<Range<usize>>,
}

impl<'a> Written<'a> {
    /// The chunks `span` overlaps, each with its outcome and the overlap's bounds in the group.
    fn of<'s>(
        &'s self,
        span: &'s Span,
    ) -> impl Iterator<Item = (&'a Chunk, &'a PartOutcome, usize, usize)> + 's {
        let span_end = span.start + span.len;
        self.group_chunks[span.group].clone().filter_map(move |c| {
            let chunk = &self.chunks[c];
            let (lo, hi) = (
                span.start.max(chunk.start),
                span_end.min(chunk.start + chunk.len),
            );
            (lo < hi).then_some((chunk, &self.outcomes[c], lo, hi))
        })
    }
}

/// A send's first attempt: done, or what is left for the retry loop.
enum First {
    Done(Result<Vec<RecordMetadata>>),
    Retry(Vec<TopicPartition>, Round, SendOptions),
}

impl Producer {
    /// Writes the sends as one unit; see the module's comment. Metadata for every topic must
    /// have been loaded.
    pub(super) async fn send_turn(
        &self,
        sends: Vec<(Vec<TopicMessages>, SendOptions)>,
        now: i64,
    ) -> Vec<Result<Vec<RecordMetadata>>> {
        let metadata = self.cluster.metadata();
        let mut turn = Turn::default();
        let entries: Vec<_> = sends
            .into_iter()
            .map(|(batch, options)| {
                turn.add(batch, options, &metadata, &self.partitioner, now)
                    .map(|spans| (spans, options))
            })
            .collect();

        // One leader lookup per group, one part per chunk, all queued before any is sent.
        let mut targets = Vec::with_capacity(turn.groups.len());
        let mut chunks = Vec::new();
        let mut waits = Vec::new();
        let mut drains: Vec<(Arc<Connection>, super::accumulator::QueuedPart)> = Vec::new();
        for (g, group) in turn.groups.into_iter().enumerate() {
            let Group {
                tp,
                options,
                mut records,
                chunk_starts,
                ..
            } = group;
            let mut pieces = Vec::with_capacity(chunk_starts.len());
            for &start in chunk_starts.iter().rev() {
                let piece = match start {
                    0 => std::mem::take(&mut records),
                    _ => records.split_off(start),
                };
                pieces.push((start, piece));
            }
            let leader = self.leader_connection(&metadata, &tp).await;
            let first_chunk = chunks.len();
            for (start, records) in pieces.into_iter().rev() {
                chunks.push(Chunk {
                    group: g,
                    start,
                    len: records.len(),
                });
                waits.push(match &leader {
                    Err(e) => Wait::Failed(records, e.clone()),
                    Ok((leader, conn)) => {
                        match self
                            .accumulator
                            .enqueue(*leader, tp.clone(), records, options)
                        {
                            Ok((queued, reply)) => {
                                if !drains.iter().any(|(_, q)| q.same_queue(&queued)) {
                                    drains.push((conn.clone(), queued));
                                }
                                Wait::Queued(reply)
                            }
                            Err(records) => Wait::Lone(conn.clone(), *leader, records),
                        }
                    }
                });
            }
            targets.push((tp, options, first_chunk..chunks.len()));
        }
        let drain = futures::future::join_all(
            drains
                .iter()
                .map(|(conn, queued)| self.accumulator.drain(conn, queued)),
        );
        let targets = &targets;
        let replies = futures::future::join_all(waits.into_iter().zip(&chunks).map(
            |(wait, chunk)| async move {
                match wait {
                    Wait::Queued(reply) => reply.await.expect("every queued part gets a reply"),
                    Wait::Lone(conn, leader, records) => {
                        let (tp, options, _) = &targets[chunk.group];
                        self.accumulator
                            .produce(conn, leader, tp.clone(), records, *options)
                            .await
                    }
                    Wait::Failed(records, e) => PartOutcome::Failed(records, e),
                }
            },
        ));
        let outcomes = futures::future::join(drain, replies).await.1;

        // Each send's offsets from its chunks; a failed chunk's records go back to the sends
        // they came from.
        let written = Written {
            chunks: &chunks,
            outcomes: &outcomes,
            group_chunks: targets.iter().map(|(.., range)| range.clone()).collect(),
        };
        let written = &written;
        let firsts = entries.into_iter().map(|entry| {
            let (spans, options) = match entry {
                Ok(entry) => entry,
                Err(e) => return First::Done(Err(e)),
            };
            let spans = &turn.spans[spans];
            let written_at = |r: &RecordMetadata, chunk: &Chunk, lo: usize| RecordMetadata {
                base_offset: r.base_offset + (lo - chunk.start) as i64,
                ..r.clone()
            };
            let all_written = spans.iter().all(|span| {
                written
                    .of(span)
                    .all(|(_, outcome, ..)| matches!(outcome, PartOutcome::Written(_)))
            });
            if all_written {
                // Each partition's first offset is its span's first chunk's.
                if options.acks == 0 {
                    return First::Done(Ok(Vec::new()));
                }
                let first = spans
                    .iter()
                    .filter_map(|span| match written.of(span).next() {
                        Some((chunk, PartOutcome::Written(r), lo, _)) => {
                            Some(written_at(r, chunk, lo))
                        }
                        _ => None,
                    });
                return First::Done(Ok(first.collect()));
            }
            let mut order = Vec::with_capacity(spans.len());
            let mut round = Round::default();
            for span in spans {
                let tp = &targets[span.group].0;
                order.push(tp.clone());
                for (chunk, outcome, lo, hi) in written.of(span) {
                    let outcome = match outcome {
                        PartOutcome::Written(r) => PartOutcome::Written(written_at(r, chunk, lo)),
                        PartOutcome::Failed(records, e) => PartOutcome::Failed(
                            records[lo - chunk.start..hi - chunk.start].to_vec(),
                            e.clone(),
                        ),
                    };
                    round.add(tp.clone(), outcome);
                }
            }
            First::Retry(order, round, options)
        });
        let finish = firsts.map(|first| async move {
            let (order, round, options) = match first {
                First::Done(result) => return result,
                First::Retry(order, round, options) => (order, round, options),
            };
            let topics = distinct(order.iter().map(|(topic, _)| topic));
            let mut done = round.written;
            done.extend(
                self.deliver(round.failed, options, &topics, round.error)
                    .await?,
            );
            Ok(summarize(order, done, options))
        });
        futures::future::join_all(finish).await
    }
}
