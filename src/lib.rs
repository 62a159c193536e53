//! wabot
