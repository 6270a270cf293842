//! Configs of topics, brokers and broker loggers: describe and alter.

use std::sync::Arc;

use kafka_protocol::messages::alter_configs_request::{AlterConfigsResource, AlterableConfig};
use kafka_protocol::messages::describe_configs_request::DescribeConfigsResource;
use kafka_protocol::messages::{AlterConfigsRequest, DescribeConfigsRequest};

use super::{name, not_controller, text, Admin};
use crate::error::{Error, ErrorClass, Result};
use crate::network::Connection;
use crate::retry::retry_only;

/// ConfigResourceTypes whose configs only the broker they name can answer for.
const BROKER: i8 = 4;
const BROKER_LOGGER: i8 = 8;
/// ConfigSource of a value nobody set.
const DEFAULT_CONFIG: i8 = 5;

/// A resource to describe (`config_names` empty: all of its configs) or to alter.
#[derive(Debug, Clone, Default)]
pub struct ConfigResource {
    pub resource_type: i8,
    pub name: String,
    pub config_names: Vec<String>,
    /// Name and value of each config to set, for altering.
    pub config_entries: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigSynonym {
    pub name: String,
    pub value: Option<String>,
    pub source: i8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigEntry {
    pub name: String,
    /// None for a sensitive config.
    pub value: Option<String>,
    pub read_only: bool,
    pub is_default: bool,
    pub source: i8,
    pub is_sensitive: bool,
    pub synonyms: Vec<ConfigSynonym>,
}

/// A resource as the broker answered for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlteredResource {
    pub error_code: i16,
    pub error_message: Option<String>,
    pub resource_type: i8,
    pub resource_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribedResource {
    pub resource: AlteredResource,
    pub entries: Vec<ConfigEntry>,
}

impl Admin {
    /// The resources grouped by the broker that must answer for them, as KafkaJS groups them:
    /// broker and broker-logger configs on the broker they name, the rest on the controller.
    async fn by_config_broker(
        &self,
        resources: &[ConfigResource],
    ) -> Result<Vec<(Arc<Connection>, Vec<ConfigResource>)>> {
        let controller = self.controller().await?;
        let mut out: Vec<(Arc<Connection>, Vec<ConfigResource>)> = Vec::new();
        for r in resources {
            let broker = if [BROKER, BROKER_LOGGER].contains(&r.resource_type) {
                let node = r.name.parse::<i32>().map_err(|_| {
                    Error::new(
                        ErrorClass::BrokerNotFound,
                        format!("Broker {} not found in the cached metadata", r.name),
                        true,
                    )
                })?;
                self.cluster.broker(node).await?
            } else {
                controller.clone()
            };
            match out
                .iter_mut()
                .find(|(b, _)| b.address() == broker.address())
            {
                Some((_, rs)) => rs.push(r.clone()),
                None => out.push((broker, vec![r.clone()])),
            }
        }
        Ok(out)
    }

    pub async fn describe_configs(
        &self,
        resources: Vec<ConfigResource>,
        include_synonyms: bool,
    ) -> Result<Vec<DescribedResource>> {
        retry_only(&self.retry, not_controller, |_| async {
            let mut out = Vec::new();
            for (broker, resources) in self.by_config_broker(&resources).await? {
                let request =
                    DescribeConfigsRequest::default()
                        .with_include_synonyms(include_synonyms)
                        .with_resources(
                            resources
                                .iter()
                                .map(|r| {
                                    DescribeConfigsResource::default()
                                        .with_resource_type(r.resource_type)
                                        .with_resource_name(name(&r.name))
                                        // None asks for all, as KafkaJS's empty list does.
                                        .with_configuration_keys((!r.config_names.is_empty()).then(
                                            || r.config_names.iter().map(|n| name(n)).collect(),
                                        ))
                                })
                                .collect(),
                        );
                let response = broker.send(&request).await?;
                if let Some(r) = response.results.iter().find(|r| r.error_code != 0) {
                    return Err(Error::protocol(r.error_code));
                }
                out.extend(response.results.into_iter().map(|r| {
                    DescribedResource {
                        resource: AlteredResource {
                            error_code: r.error_code,
                            error_message: r.error_message.as_ref().map(text),
                            resource_type: r.resource_type,
                            resource_name: text(&r.resource_name),
                        },
                        entries: r
                            .configs
                            .into_iter()
                            .map(|c| ConfigEntry {
                                name: text(&c.name),
                                value: c.value.as_ref().map(text),
                                read_only: c.read_only,
                                is_default: c.config_source == DEFAULT_CONFIG,
                                source: c.config_source,
                                is_sensitive: c.is_sensitive,
                                synonyms: c
                                    .synonyms
                                    .into_iter()
                                    .map(|s| ConfigSynonym {
                                        name: text(&s.name),
                                        value: s.value.as_ref().map(text),
                                        source: s.source,
                                    })
                                    .collect(),
                            })
                            .collect(),
                    }
                }));
            }
            Ok(out)
        })
        .await
    }

    /// Replaces the resources' dynamic configs (AlterConfigs, not the incremental kind).
    pub async fn alter_configs(
        &self,
        resources: Vec<ConfigResource>,
        validate_only: bool,
    ) -> Result<Vec<AlteredResource>> {
        retry_only(&self.retry, not_controller, |_| async {
            let mut out = Vec::new();
            for (broker, resources) in self.by_config_broker(&resources).await? {
                let request = AlterConfigsRequest::default()
                    .with_validate_only(validate_only)
                    .with_resources(
                        resources
                            .iter()
                            .map(|r| {
                                AlterConfigsResource::default()
                                    .with_resource_type(r.resource_type)
                                    .with_resource_name(name(&r.name))
                                    .with_configs(
                                        r.config_entries
                                            .iter()
                                            .map(|(k, v)| {
                                                AlterableConfig::default()
                                                    .with_name(name(k))
                                                    .with_value(Some(name(v)))
                                            })
                                            .collect(),
                                    )
                            })
                            .collect(),
                    );
                let response = broker.send(&request).await?;
                if let Some(r) = response.responses.iter().find(|r| r.error_code != 0) {
                    return Err(Error::protocol(r.error_code));
                }
                out.extend(response.responses.into_iter().map(|r| AlteredResource {
                    error_code: r.error_code,
                    error_message: r.error_message.as_ref().map(text),
                    resource_type: r.resource_type,
                    resource_name: text(&r.resource_name),
                }));
            }
            Ok(out)
        })
        .await
    }
}
