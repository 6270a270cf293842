//! KafkaJS's partitioners: the Java-compatible default and KafkaJS 1.x's legacy one. Both pick
//! an explicit partition first, then hash the key over all partitions, else go round-robin over
//! the partitions that have a leader.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

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

    /// Partitions the messages of one turn. The counters stay locked until it is dropped, so
    /// each topic's counter and partitions with a leader are looked up once per turn, not once
    /// per message; partitioning never awaits, so the lock is held only while it runs.
    pub fn batch(&self) -> PartitionBatch<'_, '_> {
        PartitionBatch {
            kind: self.kind,
            counters: self.counters.lock().unwrap(),
            cursors: Vec::new(),
        }
    }
}

/// See `Partitioner::batch`.
pub struct PartitionBatch<'p, 't> {
    kind: PartitionerKind,
    counters: MutexGuard<'p, HashMap<String, u32>>,
    cursors: Vec<Cursor<'t>>,
}

/// A topic's round-robin state within one batch.
struct Cursor<'t> {
    topic: &'t TopicMetadata,
    counter: u32,
    /// The partitions with a leader, or every partition when none has one.
    choices: Vec<i32>,
}

impl<'t> PartitionBatch<'_, 't> {
    pub fn partition(&mut self, topic: &'t TopicMetadata, key: Option<&[u8]>) -> i32 {
        if let Some(key) = key {
            let hash = match self.kind {
                PartitionerKind::Default => murmur2(key),
                PartitionerKind::Legacy => legacy_murmur2(key),
            };
            let n = topic.partitions.len().max(1) as u32;
            return ((hash & 0x7fff_ffff) as u32 % n) as i32;
        }
        // A turn names a topic or few: a scan beats hashing the name.
        let c = match self
            .cursors
            .iter()
            .position(|c| std::ptr::eq(c.topic, topic))
        {
            Some(c) => c,
            None => {
                let counter = *self
                    .counters
                    .entry(topic.name.clone())
                    .or_insert_with(rand::random::<u32>);
                let led = topic.partitions.iter().filter(|p| p.leader >= 0);
                let mut choices: Vec<i32> = led.map(|p| p.partition_id).collect();
                if choices.is_empty() {
                    choices = (0..topic.partitions.len().max(1) as i32).collect();
                }
                self.cursors.push(Cursor {
                    topic,
                    counter,
                    choices,
                });
                self.cursors.len() - 1
            }
        };
        let cursor = &mut self.cursors[c];
        cursor.counter = cursor.counter.wrapping_add(1);
        let next = cursor.counter & 0x7fff_ffff;
        cursor.choices[next as usize % cursor.choices.len()]
    }
}

impl Drop for PartitionBatch<'_, '_> {
    fn drop(&mut self) {
        for cursor in &self.cursors {
            if let Some(counter) = self.counters.get_mut(&cursor.topic.name) {
                *counter = cursor.counter;
            }
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

    fn topic(leaders: &[i32]) -> TopicMetadata {
        TopicMetadata {
            name: "t".into(),
            partitions: leaders
                .iter()
                .enumerate()
                .map(|(id, &leader)| crate::cluster::PartitionMetadata {
                    partition_id: id as i32,
                    leader,
                    leader_epoch: 0,
                    replicas: vec![],
                    isr: vec![],
                    offline_replicas: vec![],
                    error_code: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn round_robin_skips_leaderless_partitions_and_continues_across_batches() {
        let partitioner = Partitioner::default();
        let t = topic(&[1, -1, 1, 1]);
        let first: Vec<i32> = {
            let mut batch = partitioner.batch();
            (0..6).map(|_| batch.partition(&t, None)).collect()
        };
        assert!(first.iter().all(|&p| p != 1), "{first:?}");
        for w in first.windows(4) {
            assert_eq!(
                w[0], w[3],
                "a cycle over the three led partitions: {first:?}"
            );
        }
        let next = partitioner.batch().partition(&t, None);
        let expected = [0, 2, 3][([0, 2, 3].iter().position(|&p| p == first[5]).unwrap() + 1) % 3];
        assert_eq!(next, expected, "the next batch goes on from {first:?}");
    }

    #[test]
    fn round_robin_uses_every_partition_when_none_has_a_leader() {
        let partitioner = Partitioner::default();
        let t = topic(&[-1, -1]);
        let mut batch = partitioner.batch();
        let mut seen: Vec<i32> = (0..4).map(|_| batch.partition(&t, None)).collect();
        seen.sort();
        assert_eq!(seen, [0, 0, 1, 1]);
    }
}
