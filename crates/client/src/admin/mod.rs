//! The admin client, as KafkaJS's `src/admin`: one module per concern. Admin never creates
//! topics implicitly.

mod acls;
mod configs;
mod groups;
mod offsets;
mod reassignments;
mod topics;

use std::sync::Arc;

use kafka_protocol::protocol::StrBytes;

pub use acls::{Acl, AclFilter, DeletedAcls, ResourceAcls};
pub use configs::{AlteredResource, ConfigEntry, ConfigResource, ConfigSynonym, DescribedResource};
pub use groups::{
    delete_groups_error, describe_group, GroupDescription, GroupMemberDescription, GroupOverview,
};
pub use offsets::{fetch_committed, list_offsets, CommittedOffset, PartitionOffsets};
pub use reassignments::{OngoingReassignment, Reassignment};
pub use topics::{
    create_topic_error, records_error, topic_creation_errors, BrokerDescription,
    ClusterDescription, NewPartitions, NewTopic,
};

use crate::cluster::Cluster;
use crate::config::RetryConfig;
use crate::error::{Error, Result};
use crate::network::Connection;

pub struct Admin {
    cluster: Arc<Cluster>,
    /// How its operations retry: KafkaJS's Kafka-level `retry` merged with the admin's.
    retry: RetryConfig,
}

fn name(s: &str) -> StrBytes {
    StrBytes::from_string(s.to_string())
}

fn text(s: &StrBytes) -> String {
    s.as_str().to_string()
}

/// As KafkaJS's admin operations that retry only NOT_CONTROLLER and bail with anything else.
fn not_controller(e: &Error) -> bool {
    e.protocol_kind() == Some("NOT_CONTROLLER")
}

impl Admin {
    pub fn new(cluster: Arc<Cluster>, retry: RetryConfig) -> Self {
        Admin { cluster, retry }
    }

    pub async fn connect(&self) -> Result<()> {
        self.cluster.connect().await
    }

    pub async fn disconnect(&self) {
        self.cluster.disconnect().await
    }

    /// The controller as fresh metadata names it (KafkaJS refreshes before each attempt, so a
    /// NOT_CONTROLLER retry finds the new one).
    async fn controller(&self) -> Result<Arc<Connection>> {
        self.cluster.fetch_metadata(Some(&[]), false).await?;
        let controller = self.cluster.metadata().controller_id;
        if controller >= 0 {
            self.cluster.broker(controller).await
        } else {
            self.cluster.any_connection().await
        }
    }
}
