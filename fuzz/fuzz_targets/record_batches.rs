//! Record batches as a fetch response carries them: whatever the bytes, decoding returns records
//! or an error, never a panic, and every span it hands out lies inside its buffer.
#![no_main]

use bytes::Bytes;
use kafkars_client::protocol::aborted::AbortedTransactions;
use kafkars_client::protocol::records::{decode_batches, DecodedRecords};
use libfuzzer_sys::fuzz_target;

/// Splits the input: a count of aborted transactions (0–3) and each one's producer id and first
/// offset, the fetch offset, then the batches.
fn split(data: &[u8]) -> Option<(Vec<(i64, i64)>, i64, &[u8])> {
    let (&n, mut rest) = data.split_first()?;
    let mut aborted = Vec::new();
    for _ in 0..n % 4 {
        let (pair, tail) = rest.split_at_checked(16)?;
        aborted.push((
            i64::from_be_bytes(pair[..8].try_into().ok()?),
            i64::from_be_bytes(pair[8..].try_into().ok()?),
        ));
        rest = tail;
    }
    let (offset, batches) = rest.split_at_checked(8)?;
    Some((
        aborted,
        i64::from_be_bytes(offset.try_into().ok()?),
        batches,
    ))
}

/// Rewrites each batch's CRC to match its bytes, so mutations explore what lies behind the
/// checksum instead of failing it (the CRC check itself is tested in the engine's unit tests).
fn fix_crcs(batches: &mut [u8]) {
    let mut at = 0;
    while let Some(header) = batches.get(at..at + 21) {
        let len = i32::from_be_bytes(header[8..12].try_into().unwrap());
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|l| (at + 12).checked_add(l))
        else {
            return;
        };
        let Some(batch) = batches.get_mut(at..end).filter(|b| b.len() >= 21) else {
            return;
        };
        let crc = crc32c::crc32c(&batch[21..]);
        batch[17..21].copy_from_slice(&crc.to_be_bytes());
        at = end;
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((aborted, fetch_offset, batches)) = split(data) else {
        return;
    };
    let mut batches = batches.to_vec();
    fix_crcs(&mut batches);
    let mut out = DecodedRecords::default();
    let mut aborted = AbortedTransactions::new(aborted);
    if decode_batches(Bytes::from(batches), fetch_offset, &mut aborted, &mut out).is_err() {
        return;
    }
    for record in &out.records {
        let _ = out.bytes(record.key);
        let _ = out.bytes(record.value);
        for header in out.headers_of(record) {
            let _ = out.bytes(header.key);
            let _ = out.bytes(header.value);
        }
    }
});
