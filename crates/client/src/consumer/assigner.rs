//! KafkaJS's `RoundRobinAssigner` and the consumer protocol's member metadata and assignment
//! encodings, byte-compatible with KafkaJS's `AssignerProtocol` so mixed groups agree.

use bytes::{Buf, BufMut, Bytes, BytesMut};

use crate::cluster::Metadata;
use crate::error::{Error, Result};

pub const ROUND_ROBIN: &str = "RoundRobinAssigner";

/// A member's partitions, topic by topic.
pub type Assignment = Vec<(String, Vec<i32>)>;

/// `{ version, topics, userData }`.
pub fn encode_member_metadata(topics: &[String]) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(0);
    buf.put_i32(topics.len() as i32);
    for t in topics {
        put_string(&mut buf, t);
    }
    buf.put_i32(0); // empty userData
    buf.freeze()
}

/// `{ version, assignment: { topic: partitions[] }, userData }`.
pub fn encode_assignment(assignment: &[(String, Vec<i32>)]) -> Bytes {
    let mut buf = BytesMut::new();
    buf.put_i16(0);
    buf.put_i32(assignment.len() as i32);
    for (topic, partitions) in assignment {
        put_string(&mut buf, topic);
        buf.put_i32(partitions.len() as i32);
        for p in partitions {
            buf.put_i32(*p);
        }
    }
    buf.put_i32(0);
    buf.freeze()
}

/// An empty buffer is no assignment, as KafkaJS reads it.
pub fn decode_assignment(mut buf: Bytes) -> Result<Assignment> {
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    let bad = || Error::kafka("Malformed member assignment from the group leader");
    let need = |buf: &Bytes, n: usize| {
        if buf.remaining() < n {
            Err(bad())
        } else {
            Ok(())
        }
    };
    need(&buf, 6)?;
    buf.get_i16();
    let topics = buf.get_i32();
    let mut out = Vec::new();
    for _ in 0..topics.max(0) {
        need(&buf, 2)?;
        let len = buf.get_i16().max(0) as usize;
        need(&buf, len + 4)?;
        let topic = String::from_utf8_lossy(&buf.split_to(len)).into_owned();
        let count = buf.get_i32().max(0) as usize;
        need(&buf, count * 4)?;
        out.push((topic, (0..count).map(|_| buf.get_i32()).collect()));
    }
    Ok(out)
}

/// The topics in a member's `{ version, topics, userData }` metadata.
pub fn decode_member_topics(mut buf: Bytes) -> Result<Vec<String>> {
    let bad = || Error::kafka("Malformed member metadata in JoinGroup");
    if buf.remaining() < 6 {
        return Err(bad());
    }
    buf.get_i16();
    let count = buf.get_i32().max(0);
    let mut topics = Vec::new();
    for _ in 0..count {
        if buf.remaining() < 2 {
            return Err(bad());
        }
        let len = buf.get_i16().max(0) as usize;
        if buf.remaining() < len {
            return Err(bad());
        }
        topics.push(String::from_utf8_lossy(&buf.split_to(len)).into_owned());
    }
    Ok(topics)
}

fn put_string(buf: &mut BytesMut, s: &str) {
    buf.put_i16(s.len() as i16);
    buf.put_slice(s.as_bytes());
}

/// Deals the partitions of `topics`, in metadata order, to members sorted by id.
pub fn round_robin(
    member_ids: &[String],
    topics: &[String],
    metadata: &Metadata,
) -> Vec<(String, Assignment)> {
    let mut members: Vec<&String> = member_ids.iter().collect();
    members.sort();
    let mut out: Vec<(String, Assignment)> =
        members.iter().map(|m| ((*m).clone(), Vec::new())).collect();
    let mut i = 0;
    for topic in topics {
        let Some(meta) = metadata.topic(topic) else {
            continue;
        };
        for p in &meta.partitions {
            let (_, assignment) = &mut out[i % members.len()];
            match assignment.iter_mut().find(|(t, _)| t == topic) {
                Some((_, ps)) => ps.push(p.partition_id),
                None => assignment.push((topic.clone(), vec![p.partition_id])),
            }
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::{PartitionMetadata, TopicMetadata};
    use std::sync::Arc;

    #[test]
    fn assignment_round_trips() {
        let a = vec![("t".to_string(), vec![0, 2]), ("u".to_string(), vec![1])];
        assert_eq!(decode_assignment(encode_assignment(&a)).unwrap(), a);
        assert!(decode_assignment(Bytes::new()).unwrap().is_empty());
    }

    #[test]
    fn member_topics_round_trip() {
        let topics = vec!["ab".to_string(), "c".to_string()];
        assert_eq!(
            decode_member_topics(encode_member_metadata(&topics)).unwrap(),
            topics
        );
        assert!(decode_member_topics(Bytes::from_static(&[0, 0, 0])).is_err());
    }

    #[test]
    fn member_metadata_matches_kafkajs_bytes() {
        // MemberMetadata.encode({ version: 0, topics: ['ab'] }) in KafkaJS.
        assert_eq!(
            &encode_member_metadata(&["ab".to_string()])[..],
            &[0, 0, 0, 0, 0, 1, 0, 2, b'a', b'b', 0, 0, 0, 0]
        );
    }

    #[test]
    fn round_robin_deals_partitions_to_sorted_members() {
        let mut metadata = Metadata::default();
        let partitions = (0..3)
            .map(|id| PartitionMetadata {
                partition_id: id,
                leader: 1,
                leader_epoch: 0,
                replicas: vec![],
                isr: vec![],
                offline_replicas: vec![],
                error_code: 0,
            })
            .collect();
        metadata.topics.insert(
            "t".into(),
            Arc::new(TopicMetadata {
                name: "t".into(),
                partitions,
            }),
        );
        let got = round_robin(&["b".into(), "a".into()], &["t".into()], &metadata);
        assert_eq!(
            got,
            vec![
                ("a".to_string(), vec![("t".to_string(), vec![0, 2])]),
                ("b".to_string(), vec![("t".to_string(), vec![1])]),
            ]
        );
    }
}
