//! The v2 record batch format, written here rather than taken from kafka-protocol's `Record`:
//! KafkaJS users rely on repeated header keys and on batch fields (`maxTimestamp`,
//! `lastOffsetDelta`) that a map-of-headers record type cannot carry, and consumers want the
//! records laid out in one buffer they can slice without a copy per field.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::compression::{self as codec, Compressor};

use crate::error::{Error, Result};
use crate::protocol::aborted::AbortedTransactions;
use crate::protocol::varint::{get_varlong, put_varint, put_varlong, varlong_len};

/// Compression codecs, numbered as KafkaJS's `CompressionTypes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Compression {
    #[default]
    None = 0,
    Gzip = 1,
    Snappy = 2,
    Lz4 = 3,
    Zstd = 4,
}

impl Compression {
    pub fn from_code(code: i32) -> Result<Self> {
        Ok(match code {
            0 => Compression::None,
            1 => Compression::Gzip,
            2 => Compression::Snappy,
            3 => Compression::Lz4,
            4 => Compression::Zstd,
            _ => {
                return Err(Error::non_retriable(format!(
                    "Compression type {code} is not one of CompressionTypes (0 to 4)"
                )))
            }
        })
    }
}

/// A message to write.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    /// In order; a key may repeat.
    pub headers: Vec<(Bytes, Option<Bytes>)>,
    pub timestamp: i64,
}

const BATCH_OVERHEAD: usize = 61;
/// Offset of the attributes field, where the CRC-covered part starts.
const CRC_START: usize = 21;

/// Who wrote a batch, for idempotent and transactional producers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProducerStamp {
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
    pub transactional: bool,
}

/// Attribute bit of a batch written inside a transaction.
const TRANSACTIONAL: i16 = 0x10;

/// Encodes records as one v2 batch with base offset 0 (the broker assigns offsets).
pub fn encode_batch<'a>(
    records: impl IntoIterator<Item = &'a Record>,
    compression: Compression,
    stamp: Option<ProducerStamp>,
) -> Result<Bytes> {
    let records: Vec<&Record> = records.into_iter().collect();
    let first_timestamp = records.iter().map(|r| r.timestamp).min().unwrap_or(0);
    let max_timestamp = records.iter().map(|r| r.timestamp).max().unwrap_or(0);
    let body_size: usize = records
        .iter()
        .enumerate()
        .map(|(i, r)| record_size(r, i as i64, first_timestamp))
        .sum();
    let mut buf = BytesMut::with_capacity(BATCH_OVERHEAD + body_size);
    buf.put_i64(0); // base offset
    buf.put_i32(0); // batch length, patched below
    buf.put_i32(-1); // partition leader epoch
    buf.put_i8(2); // magic
    buf.put_u32(0); // crc, patched below
    let transactional = stamp.is_some_and(|s| s.transactional);
    buf.put_i16(compression as i16 | if transactional { TRANSACTIONAL } else { 0 });
    buf.put_i32(records.len().saturating_sub(1) as i32);
    buf.put_i64(first_timestamp);
    buf.put_i64(max_timestamp);
    buf.put_i64(stamp.map_or(-1, |s| s.producer_id));
    buf.put_i16(stamp.map_or(-1, |s| s.producer_epoch));
    buf.put_i32(stamp.map_or(-1, |s| s.base_sequence));
    buf.put_i32(records.len() as i32);
    let compressed = match compression {
        Compression::None => write_records(&mut buf, &records, first_timestamp),
        Compression::Gzip => {
            codec::Gzip::compress(&mut buf, |b| write_records(b, &records, first_timestamp))
        }
        Compression::Snappy => {
            codec::Snappy::compress(&mut buf, |b| write_records(b, &records, first_timestamp))
        }
        Compression::Lz4 => {
            codec::Lz4::compress(&mut buf, |b| write_records(b, &records, first_timestamp))
        }
        Compression::Zstd => {
            codec::Zstd::compress(&mut buf, |b| write_records(b, &records, first_timestamp))
        }
    };
    compressed
        .map_err(|e| Error::non_retriable(format!("{compression:?} compression failed: {e}")))?;
    let batch_length = (buf.len() - 12) as i32;
    buf[8..12].copy_from_slice(&batch_length.to_be_bytes());
    let crc = crc32c::crc32c(&buf[CRC_START..]);
    buf[17..21].copy_from_slice(&crc.to_be_bytes());
    Ok(buf.freeze())
}

fn bytes_field_size(b: Option<&Bytes>) -> usize {
    match b {
        Some(b) => varlong_len(b.len() as i64) + b.len(),
        None => 1,
    }
}

fn record_body_size(r: &Record, offset_delta: i64, first_timestamp: i64) -> usize {
    1 + varlong_len(r.timestamp - first_timestamp)
        + varlong_len(offset_delta)
        + bytes_field_size(r.key.as_ref())
        + bytes_field_size(r.value.as_ref())
        + varlong_len(r.headers.len() as i64)
        + r.headers
            .iter()
            .map(|(k, v)| varlong_len(k.len() as i64) + k.len() + bytes_field_size(v.as_ref()))
            .sum::<usize>()
}

fn record_size(r: &Record, offset_delta: i64, first_timestamp: i64) -> usize {
    let body = record_body_size(r, offset_delta, first_timestamp);
    varlong_len(body as i64) + body
}

fn put_bytes_field(buf: &mut impl BufMut, b: Option<&Bytes>) {
    match b {
        Some(b) => {
            put_varint(buf, b.len() as i32);
            buf.put_slice(b);
        }
        None => put_varint(buf, -1),
    }
}

fn write_records(
    buf: &mut impl BufMut,
    records: &[&Record],
    first_timestamp: i64,
) -> anyhow::Result<()> {
    for (i, r) in records.iter().enumerate() {
        write_record(buf, r, i as i64, first_timestamp);
    }
    Ok(())
}

fn write_record(buf: &mut impl BufMut, r: &Record, offset_delta: i64, first_timestamp: i64) {
    put_varlong(
        buf,
        record_body_size(r, offset_delta, first_timestamp) as i64,
    );
    buf.put_i8(0); // attributes
    put_varlong(buf, r.timestamp - first_timestamp);
    put_varlong(buf, offset_delta);
    put_bytes_field(buf, r.key.as_ref());
    put_bytes_field(buf, r.value.as_ref());
    put_varint(buf, r.headers.len() as i32);
    for (k, v) in &r.headers {
        put_bytes_field(buf, Some(k));
        put_bytes_field(buf, v.as_ref());
    }
}

/// A record batch's header: KafkaJS's `batchContext`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchHeader {
    pub base_offset: i64,
    pub partition_leader_epoch: i32,
    pub magic: i8,
    pub compression: i16,
    /// 0: create time, 1: log append time.
    pub timestamp_type: i8,
    pub in_transaction: bool,
    pub is_control: bool,
    pub last_offset_delta: i32,
    pub first_timestamp: i64,
    pub max_timestamp: i64,
    pub producer_id: i64,
    pub producer_epoch: i16,
    pub base_sequence: i32,
}

/// Bytes within [`DecodedRecords::data`]; `len` -1 stands for null.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub len: i32,
}

impl Span {
    const NULL: Span = Span { start: 0, len: -1 };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordEntry {
    pub offset: i64,
    /// With log append time this is the batch's max timestamp, as KafkaJS reports it.
    pub timestamp: i64,
    pub attributes: i8,
    pub key: Span,
    pub value: Span,
    /// Index range in [`DecodedRecords::headers`].
    pub headers_start: u32,
    pub headers_count: u32,
    /// Index in [`DecodedRecords::batches`].
    pub batch: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderEntry {
    pub key: Span,
    pub value: Span,
}

/// The records of one partition's fetch: one buffer, indexed.
#[derive(Debug, Default, Clone)]
pub struct DecodedRecords {
    pub data: Vec<u8>,
    pub batches: Vec<BatchHeader>,
    pub records: Vec<RecordEntry>,
    pub headers: Vec<HeaderEntry>,
    /// The offset after the last whole batch read, control batches included.
    pub next_offset: Option<i64>,
    /// The first and last offset at or after the fetch offset of every record read, control
    /// records and aborted ones included: KafkaJS's `batch.firstOffset()` and `lastOffset()`,
    /// so a batch's end is resolved past the transaction markers that follow its messages.
    /// A dropped batch's records are not read: its own offsets bound them.
    pub first_offset: Option<i64>,
    pub last_offset: Option<i64>,
}

impl DecodedRecords {
    pub fn bytes(&self, span: Span) -> Option<&[u8]> {
        (span.len >= 0)
            .then(|| &self.data[span.start as usize..span.start as usize + span.len as usize])
    }

    pub fn headers_of(&self, r: &RecordEntry) -> &[HeaderEntry] {
        &self.headers[r.headers_start as usize..(r.headers_start + r.headers_count) as usize]
    }
}

fn corrupt(what: &str) -> Error {
    // KafkaJS classes a corrupt message as retriable (CORRUPT_MESSAGE): a refetch may succeed.
    Error::kafka(format!("Corrupt record batch: {what}"))
}

/// Decodes every whole batch in `raw`, keeping records at or after `fetch_offset` that are
/// neither control records nor in one of the `aborted` transactions. A batch cut short by the
/// broker's size limit ends the loop: it is fetched whole next time.
pub fn decode_batches(
    mut raw: Bytes,
    fetch_offset: i64,
    aborted: &mut AbortedTransactions,
    out: &mut DecodedRecords,
) -> Result<()> {
    // Uncompressed, the records need about as many bytes as arrived: one allocation, no regrowth.
    out.data.reserve(raw.len());
    while raw.len() >= 17 {
        let batch_length = i32::from_be_bytes(raw[8..12].try_into().unwrap());
        if batch_length < 0 {
            return Err(corrupt("negative batch length"));
        }
        let total = 12 + batch_length as usize;
        if raw.len() < total {
            break;
        }
        if total < 17 {
            return Err(corrupt("batch shorter than its magic byte"));
        }
        let mut batch = raw.split_to(total);
        let magic = batch[16] as i8;
        if magic != 2 {
            return Err(Error::new(
                crate::error::ErrorClass::NonRetriable,
                format!(
                    "Unsupported MessageSet magic byte {magic}: only record batches v2 are read"
                ),
                false,
            ));
        }
        if batch.len() < BATCH_OVERHEAD {
            return Err(corrupt("batch shorter than its header"));
        }
        let stored_crc = u32::from_be_bytes(batch[17..21].try_into().unwrap());
        if crc32c::crc32c(&batch[CRC_START..]) != stored_crc {
            return Err(corrupt("CRC mismatch"));
        }
        let base_offset = batch.get_i64();
        batch.advance(4);
        let partition_leader_epoch = batch.get_i32();
        batch.advance(5);
        let attributes = batch.get_i16();
        let header = BatchHeader {
            base_offset,
            partition_leader_epoch,
            magic,
            compression: attributes & 0x7,
            timestamp_type: ((attributes >> 3) & 1) as i8,
            in_transaction: attributes & 0x10 != 0,
            is_control: attributes & 0x20 != 0,
            last_offset_delta: batch.get_i32(),
            first_timestamp: batch.get_i64(),
            max_timestamp: batch.get_i64(),
            producer_id: batch.get_i64(),
            producer_epoch: batch.get_i16(),
            base_sequence: batch.get_i32(),
        };
        let count = batch.get_i32();
        let last_offset = base_offset
            .checked_add(header.last_offset_delta as i64)
            .ok_or_else(|| corrupt("last offset past the int64 range"))?;
        out.next_offset = Some(last_offset + 1);
        // Control records (transaction markers) are never handed to users, nor aborted records.
        // Every batch, those before the fetch offset too, moves the aborted transactions on.
        let abort_marker = header.is_control && control_type(&header, &batch)? == Some(ABORT);
        let dropped = aborted.drops(&header, abort_marker) || header.is_control;
        if count <= 0 || last_offset < fetch_offset {
            continue;
        }
        if dropped {
            out.first_offset
                .get_or_insert(base_offset.max(fetch_offset));
            out.last_offset = Some(last_offset);
            continue;
        }
        let start = out.data.len();
        // Spans index the buffer with u32s.
        let room = (u32::MAX as usize - start).min(MAX_BATCH_RECORDS_BYTES);
        match header.compression {
            0 if batch.len() <= room => out.data.extend_from_slice(&batch),
            0 => return Err(corrupt("records past the size one fetch may hold")),
            c => decompress_into(c, &batch, room, &mut out.data)?,
        }
        out.batches.push(header);
        parse_records(out, start, count, &header, fetch_offset)?;
    }
    Ok(())
}

/// A control record's type: its key is a version (int16) and a type (int16).
const ABORT: i16 = 0;

/// The type of a control batch's record (Kafka writes one per batch, uncompressed), or `None`
/// when its key is not a control key.
fn control_type(header: &BatchHeader, records: &Bytes) -> Result<Option<i16>> {
    let mut data = Vec::new();
    let body: &[u8] = match header.compression {
        0 => records,
        c => {
            decompress_into(c, records, MAX_BATCH_RECORDS_BYTES, &mut data)?;
            &data
        }
    };
    let bad = || corrupt("control record runs past its batch");
    let mut pos = 0;
    get_varlong(body, &mut pos).ok_or_else(bad)?; // length
    pos += 1; // attributes
    get_varlong(body, &mut pos).ok_or_else(bad)?; // timestamp delta
    get_varlong(body, &mut pos).ok_or_else(bad)?; // offset delta
    let key = read_span(body, &mut pos, body.len()).ok_or_else(bad)?;
    if key.len < 4 {
        return Ok(None);
    }
    let at = key.start as usize + 2;
    Ok(Some(i16::from_be_bytes([body[at], body[at + 1]])))
}

/// The most a batch's records may take once decompressed (or uncompressed). Kafka bounds a batch
/// as written (`message.max.bytes`, 1 MiB by default) but not what it inflates to; past this a
/// batch is refused as corrupt rather than allowed to ask for any memory a few bytes can claim.
const MAX_BATCH_RECORDS_BYTES: usize = 256 << 20;

fn decompress_into(codec_id: i16, batch: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<()> {
    super::decompress::decompress(codec_id, batch, limit, out)
        .map_err(|e| corrupt(&format!("decompression failed: {e}")))
}

fn parse_records(
    out: &mut DecodedRecords,
    start: usize,
    count: i32,
    header: &BatchHeader,
    fetch_offset: i64,
) -> Result<()> {
    let batch_index = (out.batches.len() - 1) as u32;
    let mut pos = start;
    for _ in 0..count {
        let data = &out.data;
        let bad = || corrupt("record runs past its batch");
        let len = get_varlong(data, &mut pos).ok_or_else(bad)?;
        let record_end = usize::try_from(len)
            .ok()
            .and_then(|len| pos.checked_add(len))
            .filter(|&end| end <= data.len())
            .ok_or_else(bad)?;
        let attributes = *data.get(pos).ok_or_else(bad)? as i8;
        pos += 1;
        let timestamp_delta = get_varlong(data, &mut pos).ok_or_else(bad)?;
        let offset_delta = get_varlong(data, &mut pos).ok_or_else(bad)?;
        let key = read_span(data, &mut pos, record_end).ok_or_else(bad)?;
        let value = read_span(data, &mut pos, record_end).ok_or_else(bad)?;
        let header_count = get_varlong(data, &mut pos).ok_or_else(bad)?;
        let headers_start = out.headers.len() as u32;
        for _ in 0..header_count.max(0) {
            let k = read_span(&out.data, &mut pos, record_end).ok_or_else(bad)?;
            let v = read_span(&out.data, &mut pos, record_end).ok_or_else(bad)?;
            out.headers.push(HeaderEntry { key: k, value: v });
        }
        pos = record_end;
        let offset = header
            .base_offset
            .checked_add(offset_delta)
            .ok_or_else(|| corrupt("record offset past the int64 range"))?;
        if offset < fetch_offset {
            out.headers.truncate(headers_start as usize);
            continue;
        }
        out.first_offset.get_or_insert(offset);
        out.last_offset = Some(offset);
        let timestamp = if header.timestamp_type == 1 {
            header.max_timestamp
        } else {
            // A nonsense timestamp is the broker's to answer for, not a reason to fail the fetch.
            header.first_timestamp.wrapping_add(timestamp_delta)
        };
        out.records.push(RecordEntry {
            offset,
            timestamp,
            attributes,
            key,
            value,
            headers_start,
            headers_count: out.headers.len() as u32 - headers_start,
            batch: batch_index,
        });
    }
    Ok(())
}

fn read_span(data: &[u8], pos: &mut usize, end: usize) -> Option<Span> {
    let len = get_varlong(data, pos)?;
    if len < 0 {
        return Some(Span::NULL);
    }
    let start = *pos;
    let stop = usize::try_from(len)
        .ok()
        .and_then(|len| start.checked_add(len))?;
    if stop > end {
        return None;
    }
    *pos = stop;
    Some(Span {
        start: start as u32,
        len: len as i32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Record> {
        vec![
            Record {
                key: Some(Bytes::from_static(b"k1")),
                value: Some(Bytes::from_static(b"v1")),
                headers: vec![
                    (Bytes::from_static(b"h"), Some(Bytes::from_static(b"a"))),
                    (Bytes::from_static(b"h"), Some(Bytes::from_static(b"b"))),
                ],
                timestamp: 1000,
            },
            Record {
                key: None,
                value: None,
                headers: vec![],
                timestamp: 1005,
            },
        ]
    }

    fn round_trip(compression: Compression) -> DecodedRecords {
        let batch = encode_batch(&sample(), compression, None).unwrap();
        let mut out = DecodedRecords::default();
        decode_batches(batch, 0, &mut AbortedTransactions::default(), &mut out).unwrap();
        out
    }

    #[test]
    fn every_codec_round_trips_records_with_repeated_headers_and_nulls() {
        for c in [
            Compression::None,
            Compression::Gzip,
            Compression::Snappy,
            Compression::Lz4,
            Compression::Zstd,
        ] {
            let out = round_trip(c);
            assert_eq!(out.records.len(), 2, "{c:?}");
            let (a, b) = (out.records[0], out.records[1]);
            assert_eq!(
                (a.offset, a.timestamp, b.offset, b.timestamp),
                (0, 1000, 1, 1005)
            );
            assert_eq!(out.bytes(a.key), Some(&b"k1"[..]));
            assert_eq!(out.bytes(b.key), None);
            assert_eq!(out.bytes(b.value), None);
            let headers: Vec<_> = out
                .headers_of(&a)
                .iter()
                .map(|h| (out.bytes(h.key).unwrap(), out.bytes(h.value).unwrap()))
                .collect();
            assert_eq!(headers, [(&b"h"[..], &b"a"[..]), (&b"h"[..], &b"b"[..])]);
            let h = out.batches[0];
            assert_eq!(
                (h.last_offset_delta, h.first_timestamp, h.max_timestamp),
                (1, 1000, 1005)
            );
            assert_eq!(h.compression, c as i16);
            assert_eq!(out.next_offset, Some(2));
        }
    }

    #[test]
    fn a_truncated_last_batch_is_left_for_the_next_fetch() {
        let one = encode_batch(&sample(), Compression::None, None).unwrap();
        let mut two = BytesMut::from(&one[..]);
        two.extend_from_slice(&one[..one.len() - 3]);
        let mut out = DecodedRecords::default();
        decode_batches(
            two.freeze(),
            0,
            &mut AbortedTransactions::default(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.records.len(), 2);
        assert_eq!(out.next_offset, Some(2));
    }

    #[test]
    fn a_flipped_bit_fails_the_crc_check() {
        let mut batch =
            BytesMut::from(&encode_batch(&sample(), Compression::None, None).unwrap()[..]);
        let last = batch.len() - 1;
        batch[last] ^= 1;
        let err = decode_batches(
            batch.freeze(),
            0,
            &mut AbortedTransactions::default(),
            &mut DecodedRecords::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("CRC"), "{err}");
    }

    #[test]
    fn records_before_the_fetch_offset_are_skipped() {
        let mut out = DecodedRecords::default();
        decode_batches(
            encode_batch(&sample(), Compression::None, None).unwrap(),
            1,
            &mut AbortedTransactions::default(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out.records.len(), 1);
        assert_eq!(out.records[0].offset, 1);
        assert!(out.headers.is_empty());
    }

    /// One record batch at `base_offset`: `value`'s record, transactional for `producer_id`
    /// (-1: none), or that producer's control record of `marker` type (0 abort, 1 commit).
    fn written(base_offset: i64, producer_id: i64, marker: Option<i16>) -> BytesMut {
        let record = Record {
            key: marker
                .map(|t| Bytes::from([0, 0, t.to_be_bytes()[0], t.to_be_bytes()[1]].to_vec())),
            value: Some(Bytes::from_static(b"v")),
            headers: vec![],
            timestamp: 0,
        };
        let stamp = (producer_id >= 0).then_some(ProducerStamp {
            producer_id,
            producer_epoch: 0,
            base_sequence: 0,
            transactional: true,
        });
        let mut batch =
            BytesMut::from(&encode_batch([&record], Compression::None, stamp).unwrap()[..]);
        batch[0..8].copy_from_slice(&base_offset.to_be_bytes());
        if marker.is_some() {
            batch[CRC_START + 1] |= 0x20;
        }
        let crc = crc32c::crc32c(&batch[CRC_START..]);
        batch[17..21].copy_from_slice(&crc.to_be_bytes());
        batch
    }

    /// Offsets 0 plain, 1 producer 7 (aborted), 2 producer 8, 3 producer 7's abort marker,
    /// 4 producer 8's commit marker, 5 plain.
    fn interleaved() -> Bytes {
        let mut raw = BytesMut::new();
        for batch in [
            written(0, -1, None),
            written(1, 7, None),
            written(2, 8, None),
            written(3, 7, Some(0)),
            written(4, 8, Some(1)),
            written(5, -1, None),
        ] {
            raw.extend_from_slice(&batch);
        }
        raw.freeze()
    }

    fn offsets(out: &DecodedRecords) -> Vec<i64> {
        out.records.iter().map(|r| r.offset).collect()
    }

    #[test]
    fn aborted_records_and_control_records_are_dropped_but_bound_the_range() {
        let mut out = DecodedRecords::default();
        let mut aborted = AbortedTransactions::new(vec![(7, 1)]);
        decode_batches(interleaved(), 0, &mut aborted, &mut out).unwrap();
        assert_eq!(offsets(&out), [0, 2, 5]);
        assert_eq!(
            (out.first_offset, out.last_offset, out.next_offset),
            (Some(0), Some(5), Some(6))
        );

        // Fetched from the abort marker on: only markers and a plain record.
        let mut out = DecodedRecords::default();
        let mut aborted = AbortedTransactions::new(vec![(7, 1)]);
        decode_batches(interleaved(), 3, &mut aborted, &mut out).unwrap();
        assert_eq!(offsets(&out), [5]);
        assert_eq!(out.first_offset, Some(3));
    }

    #[test]
    fn without_aborted_transactions_only_control_records_are_dropped() {
        let mut out = DecodedRecords::default();
        decode_batches(
            interleaved(),
            0,
            &mut AbortedTransactions::default(),
            &mut out,
        )
        .unwrap();
        assert_eq!(offsets(&out), [0, 1, 2, 5]);
        assert_eq!(out.last_offset, Some(5));
    }

    #[test]
    fn a_range_of_markers_alone_has_offsets_but_no_record() {
        let mut markers = written(3, 7, Some(0));
        markers.extend_from_slice(&written(4, 8, Some(1)));
        let mut out = DecodedRecords::default();
        let mut aborted = AbortedTransactions::default();
        decode_batches(markers.freeze(), 3, &mut aborted, &mut out).unwrap();
        assert!(out.records.is_empty());
        assert_eq!(
            (out.first_offset, out.last_offset, out.next_offset),
            (Some(3), Some(4), Some(5))
        );
    }
}
