//! A bounded map that forgets its oldest entries: remembers recent message ids (dedupe), the
//! best delivery status seen per sent message and the last inbound message of each contact,
//! without growing for ever.

use std::{
    collections::{HashMap, VecDeque},
    hash::Hash,
};

/// At most `capacity` entries; inserting a new key beyond that evicts the oldest key.
#[derive(Debug)]
pub(crate) struct Recent<K, V> {
    map: HashMap<K, V>,
    order: VecDeque<K>,
    capacity: usize,
}

impl<K: Eq + Hash + Clone, V> Recent<K, V> {
    /// An empty map holding at most `capacity` (≥ 1) entries.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            map: HashMap::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key)
    }

    pub(crate) fn contains(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// Inserts or replaces; a replaced key keeps its age.
    pub(crate) fn insert(&mut self, key: K, value: V) {
        if let Some(slot) = self.map.get_mut(&key) {
            *slot = value;
            return;
        }
        if self.map.len() >= self.capacity {
            while let Some(old) = self.order.pop_front() {
                if self.map.remove(&old).is_some() {
                    break;
                }
            }
        }
        self.order.push_back(key.clone());
        self.map.insert(key, value);
    }

    pub(crate) fn remove(&mut self, key: &K) {
        // The stale key in `order` is skipped when it reaches the front.
        if self.map.remove(key).is_some() && self.order.len() > self.capacity.saturating_mul(2) {
            let map = &self.map;
            self.order.retain(|k| map.contains_key(k));
        }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oldest_entries_are_forgotten_beyond_capacity() {
        let mut recent = Recent::new(2);
        recent.insert("a", 1);
        recent.insert("b", 2);
        recent.insert("c", 3);
        assert!(!recent.contains(&"a"));
        assert_eq!(recent.get(&"b"), Some(&2));
        assert_eq!(recent.get(&"c"), Some(&3));
        assert_eq!(recent.len(), 2);
    }

    #[test]
    fn replacing_a_value_keeps_the_size() {
        let mut recent = Recent::new(2);
        recent.insert("a", 1);
        recent.insert("a", 5);
        recent.insert("b", 2);
        assert_eq!(recent.get(&"a"), Some(&5));
        assert_eq!(recent.len(), 2);
    }

    #[test]
    fn removed_keys_free_their_slot() {
        let mut recent = Recent::new(2);
        recent.insert("a", 1);
        recent.insert("b", 2);
        recent.remove(&"a");
        recent.insert("c", 3);
        assert!(recent.contains(&"b"));
        assert!(recent.contains(&"c"));
        for i in 0..100 {
            recent.insert("x", i);
            recent.remove(&"x");
        }
        assert!(recent.len() <= 2);
        assert!(recent.order.len() <= 5, "the age queue stays bounded");
    }
}
