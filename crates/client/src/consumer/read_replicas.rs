//! Follower fetching (KIP-392), as KafkaJS's consumer group does it: a consumer with a `rackId`
//! sends it in each Fetch, and a leader whose replica selector prefers another replica names it
//! in `preferred_read_replica`. That replica is remembered per partition for `metadataMaxAge`
//! and later fetches go to it, or to the leader while metadata lists it offline.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::Tp;
use crate::cluster::Metadata;
use crate::error::Result;

#[derive(Debug, Default)]
pub(super) struct ReadReplicas {
    preferred: HashMap<Tp, (i32, Instant)>,
}

impl ReadReplicas {
    /// The node to fetch `tp` from: its preferred read replica while that is fresh and online,
    /// else its leader. An expired preference is dropped; an offline one is kept, in case the
    /// replica comes back before it expires.
    pub(super) fn node_for(&mut self, metadata: &Metadata, tp: &Tp) -> Result<i32> {
        let leader = metadata.leader(&tp.0, tp.1)?;
        let Some(&(replica, expires)) = self.preferred.get(tp) else {
            return Ok(leader);
        };
        if Instant::now() >= expires {
            self.preferred.remove(tp);
            return Ok(leader);
        }
        let offline = metadata.topic(&tp.0).is_some_and(|t| {
            t.partitions
                .iter()
                .any(|p| p.partition_id == tp.1 && p.offline_replicas.contains(&replica))
        });
        Ok(if offline { leader } else { replica })
    }

    /// Remembers the replica a fetch response preferred (-1: none), for `max_age`.
    pub(super) fn remember(&mut self, tp: &Tp, replica: i32, max_age: Duration) {
        if replica >= 0 {
            self.preferred
                .insert(tp.clone(), (replica, Instant::now() + max_age));
        }
    }

    /// Forgets `tp`'s preferred replica, so it is fetched from its leader.
    pub(super) fn forget(&mut self, tp: &Tp) {
        self.preferred.remove(tp);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::cluster::{PartitionMetadata, TopicMetadata};

    /// Topic `t`, partition 0 led by node 1 on nodes 1 to 3, `offline` among them.
    fn metadata(offline: Vec<i32>) -> Metadata {
        let partition = PartitionMetadata {
            partition_id: 0,
            leader: 1,
            leader_epoch: 0,
            replicas: vec![1, 2, 3],
            isr: vec![1, 2, 3],
            offline_replicas: offline,
            error_code: 0,
        };
        let topic = TopicMetadata {
            name: "t".into(),
            partitions: vec![partition],
        };
        Metadata {
            topics: [("t".to_string(), Arc::new(topic))].into(),
            ..Metadata::default()
        }
    }

    fn tp() -> Tp {
        ("t".to_string(), 0)
    }

    #[test]
    fn a_preferred_replica_is_read_from_until_it_expires() {
        let mut replicas = ReadReplicas::default();
        assert_eq!(replicas.node_for(&metadata(vec![]), &tp()).unwrap(), 1);
        replicas.remember(&tp(), -1, Duration::from_secs(60));
        assert_eq!(replicas.node_for(&metadata(vec![]), &tp()).unwrap(), 1);
        replicas.remember(&tp(), 2, Duration::from_secs(60));
        assert_eq!(replicas.node_for(&metadata(vec![]), &tp()).unwrap(), 2);
        replicas.remember(&tp(), 3, Duration::ZERO);
        assert_eq!(replicas.node_for(&metadata(vec![]), &tp()).unwrap(), 1);
        assert!(
            replicas.preferred.is_empty(),
            "an expired preference is dropped"
        );
    }

    #[test]
    fn an_offline_preferred_replica_gives_way_to_the_leader_and_is_kept() {
        let mut replicas = ReadReplicas::default();
        replicas.remember(&tp(), 2, Duration::from_secs(60));
        assert_eq!(replicas.node_for(&metadata(vec![2]), &tp()).unwrap(), 1);
        assert_eq!(replicas.node_for(&metadata(vec![]), &tp()).unwrap(), 2);
    }

    #[test]
    fn forgetting_sends_the_partition_back_to_its_leader() {
        let mut replicas = ReadReplicas::default();
        replicas.remember(&tp(), 2, Duration::from_secs(60));
        replicas.forget(&tp());
        assert_eq!(replicas.node_for(&metadata(vec![]), &tp()).unwrap(), 1);
    }
}
