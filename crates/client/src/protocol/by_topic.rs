//! Requests list their partitions under each topic: the grouping every request builder shares.

/// `items` grouped by topic: topics in the order they first appear, each one's items in order.
pub fn by_topic<K: PartialEq, T>(items: impl IntoIterator<Item = (K, T)>) -> Vec<(K, Vec<T>)> {
    let mut groups: Vec<(K, Vec<T>)> = Vec::new();
    for (topic, item) in items {
        match groups.iter_mut().find(|(t, _)| *t == topic) {
            Some((_, group)) => group.push(item),
            None => groups.push((topic, vec![item])),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_keep_their_first_appearance_and_items_their_order() {
        let grouped = by_topic([("b", 1), ("a", 2), ("b", 3)]);
        assert_eq!(grouped, vec![("b", vec![1, 3]), ("a", vec![2])]);
    }
}
