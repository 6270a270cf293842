//! Decompression of fetched record batches, bounded. A batch from the wire may inflate to any
//! size (or, in snappy's case, simply claim one), so output stops at a limit and the batch is
//! refused past it; the codecs' one-shot helpers would allocate whatever a few bytes ask for.

use std::io::Read;

/// xerial's snappy framing, which Kafka's Java client writes: this magic, a version and a
/// compatible version (4 bytes each), then blocks of a 4-byte length and raw snappy.
const XERIAL_MAGIC: &[u8; 8] = b"\x82SNAPPY\x00";
const XERIAL_HEADER_LEN: usize = 16;

/// Appends `input` decompressed by Kafka's codec `codec` (1 gzip, 2 snappy, 3 lz4, 4 zstd) to
/// `out`; more than `limit` bytes of output is an error, and `out` is then as it was.
pub fn decompress(codec: i16, input: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let start = out.len();
    let result = match codec {
        1 => read_bounded(flate2::read::MultiGzDecoder::new(input), limit, out),
        2 => snappy(input, limit, out),
        3 => lz4::Decoder::new(input)
            .map_err(|e| e.to_string())
            .and_then(|d| read_bounded(d, limit, out)),
        4 => zstd::stream::read::Decoder::new(input)
            .map_err(|e| e.to_string())
            .and_then(|d| read_bounded(d, limit, out)),
        other => Err(format!("unknown compression codec {other}")),
    };
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn too_large(limit: usize) -> String {
    format!("it decompresses to more than {limit} bytes")
}

fn read_bounded(reader: impl Read, limit: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let start = out.len();
    // One byte past the limit tells "exactly the limit" from "more".
    reader
        .take(limit as u64 + 1)
        .read_to_end(out)
        .map_err(|e| e.to_string())?;
    if out.len() - start > limit {
        return Err(too_large(limit));
    }
    Ok(())
}

fn snappy(input: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), String> {
    // Without xerial's magic, the batch is one raw block, as the Java client also accepts.
    if !input.starts_with(XERIAL_MAGIC) {
        return snappy_block(input, limit, out);
    }
    let mut rest = input
        .get(XERIAL_HEADER_LEN..)
        .ok_or("snappy header cut short")?;
    let start = out.len();
    while !rest.is_empty() {
        let (len, tail) = rest
            .split_at_checked(4)
            .ok_or("snappy block length cut short")?;
        let len = u32::from_be_bytes(len.try_into().expect("four bytes")) as usize;
        let (block, tail) = tail
            .split_at_checked(len)
            .ok_or("snappy block runs past its batch")?;
        snappy_block(block, limit - (out.len() - start), out)?;
        rest = tail;
    }
    Ok(())
}

/// One raw snappy block, whose header states its decompressed length: checked before allocating.
fn snappy_block(block: &[u8], limit: usize, out: &mut Vec<u8>) -> Result<(), String> {
    let len = snap::raw::decompress_len(block).map_err(|e| e.to_string())?;
    if len > limit {
        return Err(too_large(limit));
    }
    let start = out.len();
    out.resize(start + len, 0);
    snap::raw::Decoder::new()
        .decompress(block, &mut out[start..])
        .map_err(|e| e.to_string())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const LIMIT: usize = 1 << 20;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn each_codec_inflates_within_the_limit_and_refuses_past_it() {
        let data = vec![7u8; LIMIT];
        let xerial = {
            let block = snap::raw::Encoder::new().compress_vec(&data).unwrap();
            let mut framed = b"\x82SNAPPY\x00\x00\x00\x00\x01\x00\x00\x00\x01".to_vec();
            framed.extend_from_slice(&(block.len() as u32).to_be_bytes());
            framed.extend_from_slice(&block);
            framed
        };
        let lz4 = {
            let mut e = lz4::EncoderBuilder::new().build(Vec::new()).unwrap();
            e.write_all(&data).unwrap();
            e.finish().0
        };
        let zstd = zstd::encode_all(&data[..], 1).unwrap();
        for (codec, compressed) in [(1, gzip(&data)), (2, xerial), (3, lz4), (4, zstd)] {
            let mut out = vec![1, 2, 3];
            decompress(codec, &compressed, LIMIT, &mut out).unwrap();
            assert_eq!(out.len(), 3 + LIMIT, "codec {codec}");
            let mut out = vec![1, 2, 3];
            let e = decompress(codec, &compressed, LIMIT - 1, &mut out).unwrap_err();
            assert!(e.contains("more than"), "codec {codec}: {e}");
            assert_eq!(out, [1, 2, 3], "codec {codec} leaves the output as it was");
        }
    }

    #[test]
    fn a_raw_snappy_block_claiming_gigabytes_allocates_nothing() {
        // A varint length of 2^32 - 1 and no data.
        let claim = [0xff, 0xff, 0xff, 0xff, 0x0f];
        let mut out = Vec::new();
        assert!(decompress(2, &claim, LIMIT, &mut out).is_err());
        assert_eq!(out.capacity(), 0);
    }
}
