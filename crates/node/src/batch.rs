//! A fetched batch as it crosses to JavaScript, and the handler's answer as it comes back: the
//! records laid out in one Buffer with an index, so no Buffer is created per key or value.

use std::sync::Arc;

use futures::FutureExt;
use kafkars_client::consumer::{BatchHandler, BatchOutcome, FetchedBatch};
use napi::bindgen_prelude::{BigInt64Array, Buffer, Int32Array, Promise};
use napi::threadsafe_function::ThreadsafeFunction;
use napi::Status;
use napi_derive::napi;

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

pub type BatchCallback =
    ThreadsafeFunction<FetchedBatchOutput, Promise<BatchResult>, FetchedBatchOutput, Status, false>;

/// The engine's batch handler: each batch to JavaScript's loop, its answer back; a loop that
/// cannot be called or rejects fails the batch.
pub fn batch_handler(on_batch: BatchCallback) -> BatchHandler {
    let on_batch = Arc::new(on_batch);
    Arc::new(move |batch: FetchedBatch| {
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
    })
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
