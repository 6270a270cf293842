//! API version negotiation. kafkars speaks at most the versions KafkaJS 2.2.4 speaks, which are
//! the ones proven against the brokers KafkaJS users run, and fewer where a broker offers less.

use std::collections::HashMap;

use kafka_protocol::messages::{ApiKey, ApiVersionsResponse};

/// Every API kafkars sends, with the highest version it sends. An API missing here is never
/// sent: asking for one is an error, not a silent v0.
pub const SPOKEN: &[(ApiKey, i16)] = &[
    (ApiKey::Produce, 7),
    (ApiKey::Fetch, 11),
    (ApiKey::ListOffsets, 3),
    (ApiKey::Metadata, 6),
    (ApiKey::OffsetCommit, 5),
    (ApiKey::OffsetFetch, 4),
    (ApiKey::FindCoordinator, 2),
    (ApiKey::JoinGroup, 5),
    (ApiKey::Heartbeat, 3),
    (ApiKey::LeaveGroup, 3),
    (ApiKey::SyncGroup, 3),
    (ApiKey::DescribeGroups, 2),
    (ApiKey::ApiVersions, 2),
    (ApiKey::CreateTopics, 3),
    (ApiKey::DeleteTopics, 3),
    // v3 sends producer id and epoch -1 on a fresh start, which tansu 0.6 requires (KafkaJS
    // sends v1, so tansu refuses it an id).
    (ApiKey::InitProducerId, 4),
    (ApiKey::AddPartitionsToTxn, 1),
    (ApiKey::AddOffsetsToTxn, 1),
    (ApiKey::TxnOffsetCommit, 1),
    (ApiKey::EndTxn, 1),
    (ApiKey::SaslHandshake, 1),
    // v1 adds the session lifetime; KafkaJS speaks v0 and v1.
    (ApiKey::SaslAuthenticate, 1),
    (ApiKey::CreatePartitions, 1),
    (ApiKey::ListGroups, 2),
    (ApiKey::DeleteGroups, 1),
    (ApiKey::DeleteRecords, 1),
    (ApiKey::DescribeConfigs, 2),
    (ApiKey::AlterConfigs, 1),
    (ApiKey::CreateAcls, 1),
    (ApiKey::DescribeAcls, 1),
    (ApiKey::DeleteAcls, 1),
    (ApiKey::AlterPartitionReassignments, 0),
    (ApiKey::ListPartitionReassignments, 0),
];

/// The highest version kafkars sends of `key`, if it sends that API at all.
pub fn max_version(key: ApiKey) -> Option<i16> {
    SPOKEN
        .iter()
        .find(|(spoken, _)| *spoken == key)
        .map(|&(_, version)| version)
}

/// What one broker said it supports, keyed by API key.
#[derive(Debug, Default)]
pub struct ApiVersionTable {
    ranges: HashMap<i16, (i16, i16)>,
}

impl ApiVersionTable {
    pub fn from_response(response: &ApiVersionsResponse) -> Self {
        ApiVersionTable {
            ranges: response
                .api_keys
                .iter()
                .map(|k| (k.api_key, (k.min_version, k.max_version)))
                .collect(),
        }
    }

    /// The highest version within both ranges. Before negotiation (the ApiVersions request
    /// itself) the table is empty and the caller's version is used as is.
    pub fn pick(&self, key: ApiKey, ours: i16) -> Option<i16> {
        if self.ranges.is_empty() {
            return Some(ours);
        }
        let (min, max) = *self.ranges.get(&(key as i16))?;
        let v = max.min(ours);
        (v >= min).then_some(v)
    }
}
