//! Paused partitions, kept as KafkaJS's SubscriptionState keeps them: pausing a topic without
//! naming partitions pauses all of them, those assigned later included, until the topic is
//! resumed; a partition resumed out of such a topic is remembered as the exception.

use std::collections::{HashMap, HashSet};

#[derive(Debug, Default)]
struct TopicPauses {
    all: bool,
    paused: HashSet<i32>,
    resumed: HashSet<i32>,
}

#[derive(Debug, Default)]
pub(super) struct Pauses {
    topics: HashMap<String, TopicPauses>,
}

impl Pauses {
    /// Pauses `partitions` of `topic`, or the whole topic when `None`.
    pub(super) fn pause(&mut self, topic: &str, partitions: Option<&[i32]>) {
        let state = self.topics.entry(topic.to_string()).or_default();
        match partitions {
            None => {
                state.paused.clear();
                state.resumed.clear();
                state.all = true;
            }
            Some(partitions) => {
                for p in partitions {
                    state.paused.insert(*p);
                    state.resumed.remove(p);
                }
                state.all = false;
            }
        }
    }

    /// Resumes `partitions` of `topic`, or the whole topic when `None`.
    pub(super) fn resume(&mut self, topic: &str, partitions: Option<&[i32]>) {
        let state = self.topics.entry(topic.to_string()).or_default();
        match partitions {
            None => *state = TopicPauses::default(),
            Some(partitions) => {
                for p in partitions {
                    state.paused.remove(p);
                    if state.all {
                        state.resumed.insert(*p);
                    }
                }
            }
        }
    }

    pub(super) fn is_paused(&self, topic: &str, partition: i32) -> bool {
        self.topics.get(topic).is_some_and(|state| {
            (state.all && !state.resumed.contains(&partition)) || state.paused.contains(&partition)
        })
    }

    /// The paused partitions of `assignment`, as KafkaJS's `paused()` lists them: topics in the
    /// assignment's order, those with none left out, partitions sorted as JavaScript's default
    /// `sort()` sorts numbers (by their text: 10 before 2).
    pub(super) fn of(&self, assignment: &[(String, Vec<i32>)]) -> Vec<(String, Vec<i32>)> {
        assignment
            .iter()
            .filter_map(|(topic, partitions)| {
                let mut paused: Vec<i32> = partitions
                    .iter()
                    .copied()
                    .filter(|p| self.is_paused(topic, *p))
                    .collect();
                paused.sort_by_key(|p| p.to_string());
                (!paused.is_empty()).then(|| (topic.clone(), paused))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paused_topic_covers_every_partition_but_those_resumed() {
        let mut pauses = Pauses::default();
        pauses.pause("t", None);
        pauses.resume("t", Some(&[1]));
        assert!(pauses.is_paused("t", 0) && pauses.is_paused("t", 7));
        assert!(!pauses.is_paused("t", 1));
        pauses.resume("t", None);
        assert!(!pauses.is_paused("t", 0));
    }

    #[test]
    fn pausing_partitions_ends_a_whole_topic_pause() {
        let mut pauses = Pauses::default();
        pauses.pause("t", None);
        pauses.pause("t", Some(&[2]));
        assert!(pauses.is_paused("t", 2));
        assert!(!pauses.is_paused("t", 0));
    }

    #[test]
    fn paused_lists_assigned_partitions_in_javascript_sort_order() {
        let mut pauses = Pauses::default();
        pauses.pause("a", None);
        pauses.pause("b", Some(&[5, 99]));
        let assignment = vec![
            ("b".to_string(), vec![1, 5]),
            ("c".to_string(), vec![0]),
            ("a".to_string(), vec![2, 10, 1]),
        ];
        assert_eq!(
            pauses.of(&assignment),
            vec![
                ("b".to_string(), vec![5]),
                ("a".to_string(), vec![1, 10, 2]),
            ]
        );
    }
}
