//! The sends of one turn (they crossed from JavaScript together) handled as one unit. Every
//! message is partitioned in one pass into a group per topic-partition and send options; each
//! group goes to the accumulator as one part (one leader lookup, one reply), and each send
//! reads its offsets back from its groups. With a hundred single-message sends per turn,
//! queueing every send on its own was most of the engine's work. Only the sends that a failure
//! touches go on, each alone, through the retry loop.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::Arc;

use super::accumulator::{dropped_flush, BatchCut, PartOutcome};
use super::sends::{Outcomes, Part, Sends, Written};
use super::{
    distinct, summarize, Message, PartitionBatch, Producer, RecordMetadata, Round, SendOptions,
    TopicPartition,
};
use crate::cluster::TopicMetadata;
use crate::error::{Error, Result};
use crate::network::Connection;
use crate::protocol::records::{Compression, Record};

/// Records for one topic-partition with one set of send options, from any of the turn's sends.
struct Group {
    /// The turn's index of `tp`'s topic.
    topic: usize,
    tp: TopicPartition,
    options: SendOptions,
    records: Vec<Record>,
    /// Where each batch starts in `records`: one part each.
    chunk_starts: Vec<usize>,
    cut: BatchCut,
}

impl Group {
    fn push(&mut self, record: Record) {
        if self.cut.starts_batch(&record) {
            self.chunk_starts.push(self.records.len());
        }
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

impl Chunk {
    /// The offset of the group's record at `at`, given what the chunk's write returned.
    fn offset_of(&self, written: &RecordMetadata, at: usize) -> i64 {
        written.base_offset + (at - self.start) as i64
    }
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
    groups: Vec<Group>,
    index: HashMap<GroupKey, usize>,
    /// The group the previous message went to.
    last: Option<(GroupKey, usize)>,
    spans: Vec<Span>,
}

impl Turn {
    /// Groups one send's messages (its `parts`, taken from `messages`); the range of its
    /// spans. `topics` holds each topic's name and metadata, by the turn's topic index.
    fn add<'t>(
        &mut self,
        parts: &[Part],
        messages: &mut impl Iterator<Item = Message>,
        options: SendOptions,
        topics: &'t [(&String, Result<&Arc<TopicMetadata>>)],
        partitioner: &mut PartitionBatch<'_, 't>,
        now: i64,
    ) -> Range<usize> {
        let first_span = self.spans.len();
        for part in parts {
            let (name, topic) = &topics[part.topic];
            let topic = topic.as_ref().expect("the send's topics were checked");
            for m in messages.by_ref().take(part.len) {
                let partition = match m.partition {
                    Some(p) => p,
                    None => partitioner.partition(topic, m.key.as_deref()),
                };
                let key = (
                    part.topic,
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
                                topic: part.topic,
                                tp: ((*name).clone(), partition),
                                options,
                                records: Vec::new(),
                                chunk_starts: vec![0],
                                cut: BatchCut::default(),
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
        first_span..self.spans.len()
    }
}

/// The groups' topic-partitions, each once, in order.
fn distinct_partitions(groups: &[Group]) -> Vec<TopicPartition> {
    let mut tps: Vec<TopicPartition> = Vec::with_capacity(groups.len());
    for group in groups {
        if !tps.contains(&group.tp) {
            tps.push(group.tp.clone());
        }
    }
    tps
}

/// Drops a send's messages unsent.
fn skip(parts: &[Part], messages: &mut impl Iterator<Item = Message>) {
    let count: usize = parts.iter().map(|p| p.len).sum();
    messages.by_ref().take(count).for_each(drop);
}

/// What became of each chunk, for reading back a send's spans.
struct ChunkOutcomes<'a> {
    chunks: &'a [Chunk],
    outcomes: &'a [PartOutcome],
    /// Each group's chunks, as a range of `chunks`.
    group_chunks: Vec<Range<usize>>,
}

impl<'a> ChunkOutcomes<'a> {
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

/// A send's retry: its topic-partitions in order, what its first attempt wrote and did not.
struct Retry {
    send: usize,
    order: Vec<TopicPartition>,
    round: Round,
    options: SendOptions,
    /// Its parts' topic names, in order.
    topics: Vec<String>,
}

impl Producer {
    /// Writes the sends as one unit; see the module's comment. Metadata for every topic must
    /// have been loaded.
    pub(super) async fn send_turn(&self, sends: Sends, now: i64) -> Outcomes {
        let metadata = self.cluster.metadata();
        let Sends {
            topics: names,
            messages,
            parts,
            entries,
            ..
        } = sends;
        // Each topic is looked up once, however many sends name it.
        let topics: Vec<_> = names
            .iter()
            .map(|name| (name, metadata.loaded_topic(name)))
            .collect();
        let mut turn = Turn::default();
        let mut messages = messages.into_iter();
        // In a block: the batch holds a lock guard, which must not live across an await.
        let entries: Vec<_> = {
            let mut partitioner = self.partitioner.batch();
            entries
                .into_iter()
                .map(|entry| {
                    let send_parts = &parts[entry.parts.clone()];
                    let unloaded = send_parts
                        .iter()
                        .find_map(|p| topics[p.topic].1.as_ref().err());
                    if let Some(e) = entry.rejected.or_else(|| unloaded.cloned()) {
                        skip(send_parts, &mut messages);
                        return Err(e);
                    }
                    let spans = turn.add(
                        send_parts,
                        &mut messages,
                        entry.options,
                        &topics,
                        &mut partitioner,
                        now,
                    );
                    Ok((spans, entry.parts, entry.options))
                })
                .collect()
        };

        // An open transaction learns of the turn's partitions before any is written to.
        if let Some(eos) = self.eos.as_ref().filter(|eos| eos.in_transaction()) {
            let tps = distinct_partitions(&turn.groups);
            if let Err(e) = eos.add_partitions(&self.cluster, &tps).await {
                let mut results = Outcomes::with_capacity(entries.len());
                for entry in entries {
                    results.push(entry.and(Err::<[Written; 0], _>(e.clone())));
                }
                return results;
            }
        }

        // One leader lookup per group, one part per chunk, all queued before any is sent.
        let mut targets = Vec::with_capacity(turn.groups.len());
        let mut chunks = Vec::new();
        let mut waits = Vec::new();
        let mut drains: Vec<(Arc<Connection>, super::accumulator::QueuedPart)> = Vec::new();
        for (g, group) in turn.groups.into_iter().enumerate() {
            let Group {
                topic,
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
            targets.push((tp, options, topic, first_chunk..chunks.len()));
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
                    Wait::Queued(reply) => reply.await.unwrap_or_else(|_| dropped_flush()),
                    Wait::Lone(conn, leader, records) => {
                        let (tp, options, ..) = &targets[chunk.group];
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
        let written = ChunkOutcomes {
            chunks: &chunks,
            outcomes: &outcomes,
            group_chunks: targets.iter().map(|(.., range)| range.clone()).collect(),
        };
        let mut results = Outcomes::with_capacity(entries.len());
        let mut retries = Vec::new();
        for (send, entry) in entries.into_iter().enumerate() {
            let (spans, send_parts, options) = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    results.push(Err::<[Written; 0], _>(e));
                    continue;
                }
            };
            let spans = &turn.spans[spans];
            let send_parts = &parts[send_parts];
            let written_at = |r: &RecordMetadata, chunk: &Chunk, lo: usize| RecordMetadata {
                base_offset: chunk.offset_of(r, lo),
                ..r.clone()
            };
            let all_written = spans.iter().all(|span| {
                written
                    .of(span)
                    .all(|(_, outcome, ..)| matches!(outcome, PartOutcome::Written(_)))
            });
            if all_written {
                // Each partition's first offset is its span's first chunk's.
                let first = spans.iter().filter_map(|span| {
                    let Some((chunk, PartOutcome::Written(r), lo, _)) = written.of(span).next()
                    else {
                        return None;
                    };
                    let (.., topic, _) = targets[span.group];
                    // The topic as KafkaJS's result names it: the send's first part for it.
                    let topic = send_parts.iter().position(|p| p.topic == topic);
                    let mut w = Written::of(r, topic.unwrap_or(0));
                    w.base_offset = chunk.offset_of(r, lo);
                    Some(w)
                });
                results.push(Ok(first.take(if options.acks == 0 {
                    0
                } else {
                    usize::MAX
                })));
                continue;
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
            results.push(Ok::<[Written; 0], _>([]));
            retries.push(Retry {
                send,
                order,
                round,
                options,
                topics: send_parts.iter().map(|p| names[p.topic].clone()).collect(),
            });
        }
        let finish = retries.into_iter().map(|retry| async move {
            let Retry {
                send,
                order,
                round,
                options,
                topics,
            } = retry;
            let distinct_topics = distinct(order.iter().map(|(topic, _)| topic));
            let mut done = round.written;
            let delivered = self
                .deliver(round.failed, options, &distinct_topics, round.error)
                .await;
            let result = delivered.map(|more| {
                done.extend(more);
                summarize(order, done, options)
            });
            (send, topics, result)
        });
        for (send, topics, result) in futures::future::join_all(finish).await {
            results.set(
                send,
                result.map(|records| Written::from_metadata(records, &topics)),
            );
        }
        results
    }
}
