//! The in-process event bus (tokio broadcast).

use tokio::sync::broadcast;

use crate::ports::{DomainEvent, EventBus};

/// In-process publish/subscribe. Each subscriber has its own bounded buffer; one that falls
/// behind skips the oldest events instead of slowing publishers.
pub struct BroadcastBus {
    sender: broadcast::Sender<DomainEvent>,
}

impl BroadcastBus {
    /// A bus whose subscribers each buffer up to `capacity` events.
    pub fn new(capacity: usize) -> Self {
        let (sender, _) = broadcast::channel(capacity.max(1));
        Self { sender }
    }
}

impl Default for BroadcastBus {
    fn default() -> Self {
        Self::new(4096)
    }
}

impl EventBus for BroadcastBus {
    fn publish(&self, event: DomainEvent) {
        // No subscriber is not an error: nobody is watching.
        let _ = self.sender.send(event);
    }

    fn subscribe(&self) -> broadcast::Receiver<DomainEvent> {
        self.sender.subscribe()
    }
}
