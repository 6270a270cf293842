//! The protocol error KafkaJS's parser throws for a response, which its connection logs at ERROR
//! as `Response <Api>(key, version)`: the first error code its parse checks, in its order. An
//! API whose errors KafkaJS's parse does not check (or kafkars does not look for) has none.

use kafka_protocol::messages::*;

pub trait ProtocolError {
    fn protocol_error(&self) -> Option<i16> {
        None
    }
}

fn first(codes: impl IntoIterator<Item = i16>) -> Option<i16> {
    codes.into_iter().find(|&code| code != 0)
}

impl ProtocolError for ProduceResponse {
    fn protocol_error(&self) -> Option<i16> {
        first(
            self.responses
                .iter()
                .flat_map(|t| t.partition_responses.iter().map(|p| p.error_code)),
        )
    }
}

impl ProtocolError for MetadataResponse {
    /// Topics' errors first, then partitions'.
    fn protocol_error(&self) -> Option<i16> {
        first(self.topics.iter().map(|t| t.error_code)).or_else(|| {
            first(
                self.topics
                    .iter()
                    .flat_map(|t| t.partitions.iter().map(|p| p.error_code)),
            )
        })
    }
}

impl ProtocolError for FetchResponse {
    fn protocol_error(&self) -> Option<i16> {
        first(
            self.responses
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| p.error_code)),
        )
    }
}

impl ProtocolError for OffsetCommitResponse {
    fn protocol_error(&self) -> Option<i16> {
        first(
            self.topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| p.error_code)),
        )
    }
}

impl ProtocolError for ListOffsetsResponse {
    fn protocol_error(&self) -> Option<i16> {
        first(
            self.topics
                .iter()
                .flat_map(|t| t.partitions.iter().map(|p| p.error_code)),
        )
    }
}

/// Responses whose one error code KafkaJS's parse checks.
macro_rules! top_level {
    ($($response:ty),*) => {
        $(impl ProtocolError for $response {
            fn protocol_error(&self) -> Option<i16> {
                first([self.error_code])
            }
        })*
    };
}

top_level!(
    HeartbeatResponse,
    SyncGroupResponse,
    FindCoordinatorResponse
);

/// Responses kafkars does not look into for the log: their errors reach the user through the
/// client's own error and entries. JoinGroup among them: KafkaJS logs its errors only for a
/// member that already has an id, which the response does not say.
macro_rules! unchecked {
    ($($response:ty),*) => {
        $(impl ProtocolError for $response {})*
    };
}

unchecked!(
    ApiVersionsResponse,
    SaslHandshakeResponse,
    SaslAuthenticateResponse,
    JoinGroupResponse,
    LeaveGroupResponse,
    DescribeGroupsResponse,
    ListGroupsResponse,
    DeleteGroupsResponse,
    OffsetFetchResponse,
    TxnOffsetCommitResponse,
    InitProducerIdResponse,
    EndTxnResponse,
    AddPartitionsToTxnResponse,
    AddOffsetsToTxnResponse,
    CreateTopicsResponse,
    DeleteTopicsResponse,
    CreatePartitionsResponse,
    DeleteRecordsResponse,
    DescribeConfigsResponse,
    AlterConfigsResponse,
    CreateAclsResponse,
    DescribeAclsResponse,
    DeleteAclsResponse,
    AlterPartitionReassignmentsResponse,
    ListPartitionReassignmentsResponse
);

#[cfg(test)]
mod tests {
    use super::*;
    use kafka_protocol::messages::metadata_response::{
        MetadataResponsePartition, MetadataResponseTopic,
    };

    #[test]
    fn metadata_names_a_topic_error_before_a_partition_error() {
        let partition = |code| MetadataResponsePartition::default().with_error_code(code);
        let response = MetadataResponse::default().with_topics(vec![
            MetadataResponseTopic::default().with_partitions(vec![partition(0), partition(6)]),
            MetadataResponseTopic::default().with_error_code(5),
        ]);
        assert_eq!(response.protocol_error(), Some(5));
        let partitions_only =
            MetadataResponse::default()
                .with_topics(vec![MetadataResponseTopic::default()
                    .with_partitions(vec![partition(0), partition(6)])]);
        assert_eq!(partitions_only.protocol_error(), Some(6));
        assert_eq!(MetadataResponse::default().protocol_error(), None);
    }
}
