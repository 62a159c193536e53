//! The store conformance suite against [`MemoryStore`](wabot_core::memory::MemoryStore).

use wabot_core::conformance::MemoryDatabase;

async fn database() -> MemoryDatabase {
    MemoryDatabase::new()
}

wabot_core::store_conformance_tests!(database);
