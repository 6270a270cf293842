//! KafkaJS's partitioners: the Java-compatible default and KafkaJS 1.x's legacy one. Both pick
//! an explicit partition first, then hash the key over all partitions, else go round-robin over
//! the partitions that have a leader.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::cluster::TopicMetadata;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartitionerKind {
    #[default]
    Default,
    Legacy,
}

const SEED: u32 = 0x9747b28c;
const M: i32 = 0x5bd1e995;

/// Java's `Utils.murmur2`, in wrapping 32-bit arithmetic.
pub fn murmur2(data: &[u8]) -> i32 {
    let len = data.len();
    let mut h = (SEED as i32) ^ len as i32;
    let mut words = data.chunks_exact(4);
    for w in &mut words {
        let mut k = i32::from_le_bytes([w[0], w[1], w[2], w[3]]);
        k = k.wrapping_mul(M);
        k ^= ((k as u32) >> 24) as i32;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = words.remainder();
    if tail.len() >= 3 {
        h ^= (tail[2] as i32) << 16;
    }
    if tail.len() >= 2 {
        h ^= (tail[1] as i32) << 8;
    }
    if !tail.is_empty() {
        h ^= tail[0] as i32;
        h = h.wrapping_mul(M);
    }
    h ^= ((h as u32) >> 13) as i32;
    h = h.wrapping_mul(M);
    h ^= ((h as u32) >> 15) as i32;
    h
}

/// JavaScript's ToInt32: truncate, then wrap modulo 2^32.
fn to_int32(d: f64) -> i32 {
    if !d.is_finite() {
        return 0;
    }
    (d.trunc() as i128).rem_euclid(1 << 32) as u32 as i32
}

fn to_uint32(d: f64) -> u32 {
    to_int32(d) as u32
}

/// KafkaJS 1.x's murmur2: the same steps written in JavaScript numbers, so products are rounded
/// doubles, and a key whose length is not a multiple of 4 reads one more (zero-padded) word
/// before the tail is mixed in again.
pub fn legacy_murmur2(data: &[u8]) -> i32 {
    let m = M as f64;
    let len = data.len();
    let byte = |i: usize| data.get(i).copied().unwrap_or(0) as i32;
    let mut h: f64 = (to_int32(SEED as f64) ^ len as i32) as f64;
    for i in 0..len.div_ceil(4) {
        let i4 = i * 4;
        let mut k: f64 = (byte(i4) + (byte(i4 + 1) << 8) + (byte(i4 + 2) << 16)) as f64
            + (byte(i4 + 3) << 24) as f64;
        k *= m;
        k = (to_int32(k) ^ (to_uint32(k) >> 24) as i32) as f64;
        k *= m;
        h *= m;
        h = (to_int32(h) ^ to_int32(k)) as f64;
    }
    let base = len & !3;
    let rem = len % 4;
    if rem >= 3 {
        h = (to_int32(h) ^ (byte(base + 2) << 16)) as f64;
    }
    if rem >= 2 {
        h = (to_int32(h) ^ (byte(base + 1) << 8)) as f64;
    }
    if rem >= 1 {
        h = (to_int32(h) ^ byte(base)) as f64;
        h *= m;
    }
    h = (to_int32(h) ^ (to_uint32(h) >> 13) as i32) as f64;
    h *= m;
    to_int32(h) ^ (to_uint32(h) >> 15) as i32
}

/// A partitioner with KafkaJS's per-topic round-robin counters.
#[derive(Debug, Default)]
pub struct Partitioner {
    kind: PartitionerKind,
    counters: Mutex<HashMap<String, u32>>,
}

impl Partitioner {
    pub fn new(kind: PartitionerKind) -> Self {
        Partitioner {
            kind,
            counters: Mutex::default(),
        }
    }

    pub fn partition(&self, topic: &TopicMetadata, key: Option<&[u8]>) -> i32 {
        let n = topic.partitions.len().max(1) as u32;
        if let Some(key) = key {
            let hash = match self.kind {
                PartitionerKind::Default => murmur2(key),
                PartitionerKind::Legacy => legacy_murmur2(key),
            };
            return ((hash & 0x7fff_ffff) as u32 % n) as i32;
        }
        let next = {
            let mut counters = self.counters.lock().unwrap();
            // Looked up before inserting: a key String per message would be an allocation each.
            if !counters.contains_key(&topic.name) {
                counters.insert(topic.name.clone(), rand::random::<u32>());
            }
            let c = counters.get_mut(&topic.name).expect("inserted above");
            *c = c.wrapping_add(1);
            *c & 0x7fff_ffff
        };
        let mut available = topic.partitions.iter().filter(|p| p.leader >= 0);
        match available.clone().count() as u32 {
            0 => (next % n) as i32,
            count => available
                .nth((next % count) as usize)
                .map_or(0, |p| p.partition_id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // (key, default, legacy) from KafkaJS 2.2.4.
    const VECTORS: &[(&str, i32, i32)] = &[
        ("", 275646681, 275646684),
        ("0", 971027396, 272173970),
        ("1", -1993445489, 1311020360),
        ("a", -1563381124, -809885833),
        ("ab", 316155434, -1686076413),
        ("abc", 479470107, 1545667907),
        ("abcd", -1323649548, -2139815384),
        ("abcde", 461995741, 1468550417),
        ("100:48069", 1009543857, 1713501762),
        ("héllo", 614509002, -125169513),
        ("my-key", 1748425209, -975751251),
    ];

    #[test]
    fn default_murmur2_matches_java_and_kafkajs() {
        for &(key, expected, _) in VECTORS {
            assert_eq!(murmur2(key.as_bytes()), expected, "key {key:?}");
        }
    }

    #[test]
    fn legacy_murmur2_matches_kafkajs_1x() {
        for &(key, _, expected) in VECTORS {
            assert_eq!(legacy_murmur2(key.as_bytes()), expected, "key {key:?}");
        }
    }
}
