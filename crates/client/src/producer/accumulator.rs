//! The record accumulator: concurrent sends to the same broker share ProduceRequests. Each
//! partition's records wait in a FIFO queue per (leader, acks, timeout, codec); whichever caller
//! holds one of the broker's in-flight slots drains the queue into one request, one batch per
//! partition, and hands every waiting part its own result. Under load, requests grow instead of
//! multiplying; when idle, a send goes out at once (no linger).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use kafka_protocol::messages::produce_request::{PartitionProduceData, TopicProduceData};
use kafka_protocol::messages::ProduceRequest;
use kafka_protocol::protocol::StrBytes;
use tokio::sync::{oneshot, OwnedSemaphorePermit, Semaphore};

use super::eos::Eos;
use super::{RecordMetadata, SendOptions, TopicPartition};
use crate::error::Error;
use crate::network::Connection;
use crate::protocol::by_topic::by_topic;
use crate::protocol::records::{encode_batch, Compression, Record};

/// Most record bytes one partition's batch carries: under Kafka's default `message.max.bytes`
/// (1 MiB plus overhead), so a large send becomes several batches rather than a rejected one.
pub const MAX_BATCH_BYTES: usize = 1000 * 1000;

/// Most record bytes waiting for the broker, per producer: beyond it `send` waits (backpressure).
const BUFFER_BYTES: usize = 64 * 1024 * 1024;

/// A part's fate: written at an offset, or handed back with the error for the caller to retry.
pub enum PartOutcome {
    Written(RecordMetadata),
    Failed(Vec<Record>, Error),
}

/// The outcome of a queued part whose reply was dropped unsent, which happens only if the flush
/// that took it was itself dropped midway: the records went with that flush, written or not, so
/// the send fails (not retried, which could write them twice) rather than the engine.
pub fn dropped_flush() -> PartOutcome {
    PartOutcome::Failed(
        Vec::new(),
        Error::non_retriable(
            "A batch was taken by a flush that stopped before its answer: it may or may not have been written",
        ),
    )
}

struct Part {
    tp: TopicPartition,
    records: Vec<Record>,
    bytes: usize,
    reply: oneshot::Sender<PartOutcome>,
    _memory: OwnedSemaphorePermit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct QueueKey {
    leader: i32,
    acks: i16,
    timeout_ms: i32,
    compression: Compression,
}

/// The queue a part was put in by [`RecordAccumulator::enqueue`].
pub struct QueuedPart {
    queue: Arc<BrokerQueue>,
    key: QueueKey,
}

impl QueuedPart {
    pub fn same_queue(&self, other: &QueuedPart) -> bool {
        self.key == other.key
    }
}

struct BrokerQueue {
    parts: Mutex<VecDeque<Part>>,
    in_flight: Arc<Semaphore>,
}

pub struct RecordAccumulator {
    queues: Mutex<HashMap<QueueKey, Arc<BrokerQueue>>>,
    max_in_flight: usize,
    memory: Arc<Semaphore>,
    /// Set for idempotent and transactional producers: batches carry its stamp.
    eos: Option<Arc<Eos>>,
}

/// The buffer space a part of `bytes` holds: all of it, if it is larger than the buffer.
fn budget(bytes: usize) -> u32 {
    bytes.clamp(1, BUFFER_BYTES) as u32
}

/// Approximate encoded size, for batching and memory limits.
pub fn record_bytes(r: &Record) -> usize {
    24 + r.key.as_ref().map_or(0, |k| k.len())
        + r.value.as_ref().map_or(0, |v| v.len())
        + r.headers
            .iter()
            .map(|(k, v)| 8 + k.len() + v.as_ref().map_or(0, |v| v.len()))
            .sum::<usize>()
}

impl RecordAccumulator {
    /// With `eos`, one request per broker is in flight: a batch's sequence is the one after the
    /// last acknowledged, so a second request could not know its own.
    pub fn new(max_in_flight: usize, eos: Option<Arc<Eos>>) -> Self {
        RecordAccumulator {
            queues: Mutex::default(),
            max_in_flight: if eos.is_some() {
                1
            } else {
                max_in_flight.max(1)
            },
            memory: Arc::new(Semaphore::new(BUFFER_BYTES)),
            eos,
        }
    }

    /// Queues one partition's records for `leader` and resolves once they are written or failed.
    pub async fn produce(
        &self,
        conn: Arc<Connection>,
        leader: i32,
        tp: TopicPartition,
        records: Vec<Record>,
        options: SendOptions,
    ) -> PartOutcome {
        let bytes: usize = records.iter().map(record_bytes).sum();
        let memory = self
            .memory
            .clone()
            .acquire_many_owned(budget(bytes))
            .await
            .expect("the memory semaphore is never closed");
        let (QueuedPart { queue, key }, mut outcome) =
            self.push(leader, tp, records, bytes, options, memory);
        // Sends that arrive together (one native call carries many) all queue before the first
        // of them flushes, so they share one request: yield until a round adds nothing. One
        // yield is not enough: a task joining many futures polls only some of them per turn.
        loop {
            let queued = queue.parts.lock().unwrap().len();
            tokio::task::yield_now().await;
            if queue.parts.lock().unwrap().len() == queued {
                break;
            }
        }
        tokio::select! {
            result = &mut outcome => return result.unwrap_or_else(|_| dropped_flush()),
            permit = queue.in_flight.clone().acquire_owned() => {
                let _permit = permit.expect("the in-flight semaphore is never closed");
                flush(&conn, &queue, key, self.eos.as_deref()).await;
            }
        }
        // A flush empties the queue, so this part has been taken, by us or an earlier flush.
        outcome.await.unwrap_or_else(|_| dropped_flush())
    }

    /// Queues a part without sending it, for sends that arrive together: [`Self::drain`] sends
    /// what is queued. Hands the records back if the buffer has no room for them now.
    pub fn enqueue(
        &self,
        leader: i32,
        tp: TopicPartition,
        records: Vec<Record>,
        options: SendOptions,
    ) -> Result<(QueuedPart, oneshot::Receiver<PartOutcome>), Vec<Record>> {
        let bytes: usize = records.iter().map(record_bytes).sum();
        let Ok(memory) = self.memory.clone().try_acquire_many_owned(budget(bytes)) else {
            return Err(records);
        };
        Ok(self.push(leader, tp, records, bytes, options, memory))
    }

    /// Puts a part, with the buffer space it holds, in its broker queue.
    fn push(
        &self,
        leader: i32,
        tp: TopicPartition,
        records: Vec<Record>,
        bytes: usize,
        options: SendOptions,
        memory: OwnedSemaphorePermit,
    ) -> (QueuedPart, oneshot::Receiver<PartOutcome>) {
        let key = QueueKey {
            leader,
            acks: options.acks,
            timeout_ms: options.timeout_ms,
            compression: options.compression,
        };
        let queue = self.queue(key);
        let (reply, outcome) = oneshot::channel();
        queue.parts.lock().unwrap().push_back(Part {
            tp,
            records,
            bytes,
            reply,
            _memory: memory,
        });
        (QueuedPart { queue, key }, outcome)
    }

    /// Sends everything queued for `queued`'s broker queue, a request per in-flight slot.
    pub async fn drain(&self, conn: &Connection, queued: &QueuedPart) {
        while !queued.queue.parts.lock().unwrap().is_empty() {
            let _permit = queued
                .queue
                .in_flight
                .clone()
                .acquire_owned()
                .await
                .expect("the in-flight semaphore is never closed");
            flush(conn, &queued.queue, queued.key, self.eos.as_deref()).await;
        }
    }

    fn queue(&self, key: QueueKey) -> Arc<BrokerQueue> {
        self.queues
            .lock()
            .unwrap()
            .entry(key)
            .or_insert_with(|| {
                Arc::new(BrokerQueue {
                    parts: Mutex::default(),
                    in_flight: Arc::new(Semaphore::new(self.max_in_flight)),
                })
            })
            .clone()
    }
}

/// Takes what one request can carry: parts in queue order, merged per partition up to
/// [`MAX_BATCH_BYTES`]. Once a partition overflows, its later parts wait for the next request
/// so that every partition's records stay in send order.
fn take_request(queue: &BrokerQueue) -> Vec<(TopicPartition, Vec<Part>)> {
    let mut parts = queue.parts.lock().unwrap();
    let mut taken: Vec<(TopicPartition, Vec<Part>, usize)> = Vec::new();
    let mut closed: Vec<TopicPartition> = Vec::new();
    let mut left = VecDeque::new();
    while let Some(part) = parts.pop_front() {
        if closed.contains(&part.tp) {
            left.push_back(part);
            continue;
        }
        match taken.iter_mut().find(|(tp, _, _)| *tp == part.tp) {
            Some((_, _, bytes)) if *bytes + part.bytes > MAX_BATCH_BYTES => {
                closed.push(part.tp.clone());
                left.push_back(part);
            }
            Some((_, group, bytes)) => {
                *bytes += part.bytes;
                group.push(part);
            }
            None => {
                let bytes = part.bytes;
                taken.push((part.tp.clone(), vec![part], bytes));
            }
        }
    }
    *parts = left;
    taken
        .into_iter()
        .map(|(tp, group, _)| (tp, group))
        .collect()
}

/// Sends requests until the queue is empty.
async fn flush(conn: &Connection, queue: &BrokerQueue, key: QueueKey, eos: Option<&Eos>) {
    loop {
        let request = take_request(queue);
        if request.is_empty() {
            return;
        }
        send_request(conn, request, key, eos).await;
    }
}

async fn send_request(
    conn: &Connection,
    request: Vec<(TopicPartition, Vec<Part>)>,
    key: QueueKey,
    eos: Option<&Eos>,
) {
    let mut partitions = Vec::new();
    let mut encode_failures = Vec::new();
    let mut sent = Vec::new();
    for (tp, parts) in request {
        let merged: Vec<&Record> = parts.iter().flat_map(|p| p.records.iter()).collect();
        let stamp = match eos.map(|eos| eos.stamp(&tp)).transpose() {
            Ok(stamp) => stamp.flatten(),
            Err(e) => {
                encode_failures.push((parts, e));
                continue;
            }
        };
        match encode_batch(merged, key.compression, stamp) {
            Ok(batch) => {
                let data = PartitionProduceData::default()
                    .with_index(tp.1)
                    .with_records(Some(batch));
                partitions.push((tp.0.clone(), data));
                sent.push((tp, parts));
            }
            Err(e) => encode_failures.push((parts, e)),
        }
    }
    for (parts, e) in encode_failures {
        fail_all(parts, &e);
    }
    if sent.is_empty() {
        return;
    }
    let transactional_id = eos
        .filter(|eos| eos.in_transaction())
        .and_then(|eos| eos.transactional())
        .map(|id| StrBytes::from_string(id.to_string()).into());
    let topics = by_topic(partitions)
        .into_iter()
        .map(|(topic, data)| {
            TopicProduceData::default()
                .with_name(StrBytes::from_string(topic).into())
                .with_partition_data(data)
        })
        .collect();
    let request = ProduceRequest::default()
        .with_transactional_id(transactional_id)
        .with_acks(key.acks)
        .with_timeout_ms(key.timeout_ms)
        .with_topic_data(topics);
    if key.acks == 0 {
        match conn.send_no_response(&request).await {
            Ok(()) => {
                for (tp, parts) in sent {
                    for p in parts {
                        let _ = p.reply.send(PartOutcome::Written(RecordMetadata {
                            topic_name: tp.0.clone(),
                            partition: tp.1,
                            error_code: 0,
                            base_offset: -1,
                            log_append_time: -1,
                            log_start_offset: -1,
                        }));
                    }
                }
            }
            Err(e) => sent.into_iter().for_each(|(_, parts)| fail_all(parts, &e)),
        }
        return;
    }
    let response = match conn.send(&request).await {
        Ok(r) => r,
        Err(e) => {
            sent.into_iter().for_each(|(_, parts)| fail_all(parts, &e));
            return;
        }
    };
    let mut answers: HashMap<TopicPartition, (i16, i64, i64, i64)> = HashMap::new();
    for topic in response.responses {
        for p in topic.partition_responses {
            answers.insert(
                (topic.name.as_str().to_string(), p.index),
                (
                    p.error_code,
                    p.base_offset,
                    p.log_append_time_ms,
                    p.log_start_offset,
                ),
            );
        }
    }
    for (tp, parts) in sent {
        match answers.get(&tp) {
            Some(&(0, base_offset, log_append_time, log_start_offset)) => {
                if let Some(eos) = eos.filter(|eos| eos.stamps()) {
                    eos.acknowledged(&tp, parts.iter().map(|p| p.records.len()).sum());
                }
                // Each part's records follow the previous part's in the merged batch.
                let mut offset = base_offset;
                for p in parts {
                    let count = p.records.len() as i64;
                    let _ = p.reply.send(PartOutcome::Written(RecordMetadata {
                        topic_name: tp.0.clone(),
                        partition: tp.1,
                        error_code: 0,
                        base_offset: offset,
                        log_append_time,
                        log_start_offset,
                    }));
                    offset += count;
                }
            }
            Some(&(code, ..)) => fail_all(parts, &Error::protocol(code).at(&tp.0, tp.1)),
            None => fail_all(
                parts,
                &Error::kafka(format!(
                    "The broker {} did not answer for {}-{}",
                    conn.address(),
                    tp.0,
                    tp.1
                )),
            ),
        }
    }
}

fn fail_all(parts: Vec<Part>, error: &Error) {
    for p in parts {
        let _ = p.reply.send(PartOutcome::Failed(p.records, error.clone()));
    }
}

/// Where a partition's records are cut into batches of at most [`MAX_BATCH_BYTES`]: before a
/// record that would take the batch past it, unless the batch is empty (one record always fits).
#[derive(Debug, Default)]
pub struct BatchCut {
    bytes: usize,
    started: bool,
}

impl BatchCut {
    /// Counts `record` in; whether it starts a new batch.
    pub fn starts_batch(&mut self, record: &Record) -> bool {
        let size = record_bytes(record);
        let cut = self.started && self.bytes + size > MAX_BATCH_BYTES;
        if cut {
            self.bytes = 0;
        }
        self.started = true;
        self.bytes += size;
        cut
    }
}
