//! The API's idempotency: changes already applied, by `MS-RequestId`, so that a retried request
//! gets the first answer again instead of being applied twice.

use std::collections::{HashMap, VecDeque};

/// How many applied requests are remembered; a retry comes within seconds, not thousands of
/// requests later.
const CAPACITY: usize = 4096;

/// Recently applied requests, each with its customer and the answer `T` it got; the oldest is
/// forgotten first.
#[derive(Debug)]
pub(crate) struct Answered<T> {
    by_request: HashMap<String, (String, T)>,
    order: VecDeque<String>,
}

impl<T> Default for Answered<T> {
    fn default() -> Self {
        Self {
            by_request: HashMap::new(),
            order: VecDeque::new(),
        }
    }
}

impl<T: Clone> Answered<T> {
    /// The answer request `request_id` got for the customer `customer_key`, if it was applied.
    pub(crate) fn get(&self, request_id: &str, customer_key: &str) -> Option<T> {
        self.by_request
            .get(request_id)
            .filter(|(key, _)| key == customer_key)
            .map(|(_, answer)| answer.clone())
    }

    pub(crate) fn insert(&mut self, request_id: &str, customer_key: String, answer: T) {
        if self.order.len() == CAPACITY
            && let Some(oldest) = self.order.pop_front()
        {
            self.by_request.remove(&oldest);
        }
        if self
            .by_request
            .insert(request_id.to_owned(), (customer_key, answer))
            .is_none()
        {
            self.order.push_back(request_id.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_per_customer_and_forgets_the_oldest() {
        let mut answered = Answered::default();
        answered.insert("r1", "c1".to_owned(), 1);
        assert_eq!(answered.get("r1", "c1"), Some(1));
        assert_eq!(answered.get("r1", "c2"), None, "another customer's request");
        for n in 0..CAPACITY {
            answered.insert(&format!("later-{n}"), "c1".to_owned(), 2);
        }
        assert_eq!(answered.get("r1", "c1"), None);
        assert_eq!(answered.get("later-0", "c1"), Some(2));
        assert_eq!(answered.by_request.len(), CAPACITY);
    }
}
