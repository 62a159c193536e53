//! Authentication (Google OAuth, sessions, API tokens) and authorization (workspace roles).

mod principal;

pub use principal::{Principal, Subject};
