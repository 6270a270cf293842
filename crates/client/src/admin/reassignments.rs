//! Partition reassignments: moving replicas between brokers, and the moves under way.

use kafka_protocol::messages::alter_partition_reassignments_request::{
    ReassignablePartition, ReassignableTopic,
};
use kafka_protocol::messages::list_partition_reassignments_request::ListPartitionReassignmentsTopics;
use kafka_protocol::messages::{
    AlterPartitionReassignmentsRequest, BrokerId, ListPartitionReassignmentsRequest,
};

use super::{name, not_controller, Admin};
use crate::error::{Error, ErrorClass, ErrorDetails, Result};
use crate::retry::retry_only;

/// A topic and, for each partition to move, the brokers that are to hold its replicas.
pub type Reassignment = (String, Vec<(i32, Vec<i32>)>);

/// A partition being moved: its replicas, and those being added and removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OngoingReassignment {
    pub partition: i32,
    pub replicas: Vec<i32>,
    pub adding_replicas: Vec<i32>,
    pub removing_replicas: Vec<i32>,
}

fn ids(ids: &[BrokerId]) -> Vec<i32> {
    ids.iter().map(|id| id.0).collect()
}

fn reassignment_error(code: i16, at: Option<(&str, i32)>) -> Error {
    let mut e = Error::protocol(code);
    if let Some((topic, partition)) = at {
        e = e.at(topic, partition);
    }
    e.class = ErrorClass::AlterPartitionReassignments;
    e
}

impl Admin {
    /// Starts moving the partitions' replicas to the brokers given. A request-level error is
    /// one KafkaJSAlterPartitionReassignmentsError; partition errors are a KafkaJSAggregateError
    /// of one per partition.
    pub async fn alter_partition_reassignments(
        &self,
        topics: Vec<Reassignment>,
        timeout_ms: i32,
    ) -> Result<()> {
        let request = AlterPartitionReassignmentsRequest::default()
            .with_timeout_ms(timeout_ms)
            .with_topics(
                topics
                    .iter()
                    .map(|(topic, partitions)| {
                        ReassignableTopic::default()
                            .with_name(name(topic).into())
                            .with_partitions(
                                partitions
                                    .iter()
                                    .map(|(p, replicas)| {
                                        ReassignablePartition::default()
                                            .with_partition_index(*p)
                                            .with_replicas(Some(
                                                replicas.iter().map(|&r| BrokerId(r)).collect(),
                                            ))
                                    })
                                    .collect(),
                            )
                    })
                    .collect(),
            );
        retry_only(&self.retry, not_controller, |_| async {
            let response = self.controller().await?.send(&request).await?;
            if response.error_code != 0 {
                return Err(reassignment_error(response.error_code, None));
            }
            let errors: Vec<Error> = response
                .responses
                .iter()
                .flat_map(|t| {
                    t.partitions.iter().filter(|p| p.error_code != 0).map(|p| {
                        reassignment_error(p.error_code, Some((t.name.as_str(), p.partition_index)))
                    })
                })
                .collect();
            if errors.is_empty() {
                Ok(())
            } else {
                Err(Error::collecting(
                    ErrorClass::Aggregate,
                    "Errors altering partition reassignments",
                    false,
                    ErrorDetails::Errors(errors),
                ))
            }
        })
        .await
    }

    /// The reassignments under way, of the partitions given or of all (`None`).
    pub async fn list_partition_reassignments(
        &self,
        topics: Option<Vec<(String, Vec<i32>)>>,
        timeout_ms: i32,
    ) -> Result<Vec<(String, Vec<OngoingReassignment>)>> {
        let request = ListPartitionReassignmentsRequest::default()
            .with_timeout_ms(timeout_ms)
            .with_topics(topics.map(|topics| {
                topics
                    .iter()
                    .map(|(topic, partitions)| {
                        ListPartitionReassignmentsTopics::default()
                            .with_name(name(topic).into())
                            .with_partition_indexes(partitions.clone())
                    })
                    .collect()
            }));
        let response = retry_only(&self.retry, not_controller, |_| async {
            let response = self.controller().await?.send(&request).await?;
            if response.error_code != 0 {
                return Err(Error::protocol(response.error_code));
            }
            Ok(response)
        })
        .await?;
        Ok(response
            .topics
            .into_iter()
            .map(|t| {
                let partitions = t
                    .partitions
                    .into_iter()
                    .map(|p| OngoingReassignment {
                        partition: p.partition_index,
                        replicas: ids(&p.replicas),
                        adding_replicas: ids(&p.adding_replicas),
                        removing_replicas: ids(&p.removing_replicas),
                    })
                    .collect();
                (t.name.as_str().to_string(), partitions)
            })
            .collect())
    }
}
